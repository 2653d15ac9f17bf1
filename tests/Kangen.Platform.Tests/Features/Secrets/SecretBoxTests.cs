using Kangen.Platform.Features.Secrets;

namespace Kangen.Platform.Tests.Features.Secrets;

public sealed class SecretBoxTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kangen-secrets-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_sealed_value_opens_to_itself_and_is_not_readable_in_the_sealed_text()
    {
        var box = new SecretBox(SecretKeys.CreateNew());
        var sealedValue = box.Seal("payment-service-id", "9876543210123456");

        Assert.StartsWith("s1:", sealedValue);
        Assert.DoesNotContain("9876543210123456", sealedValue);
        Assert.True(box.TryOpen("payment-service-id", sealedValue, out var opened));
        Assert.Equal("9876543210123456", opened);
        Assert.NotEqual(sealedValue, box.Seal("payment-service-id", "9876543210123456")); // a fresh nonce each time
    }

    [Fact]
    public void A_value_sealed_for_one_purpose_does_not_open_for_another()
    {
        var box = new SecretBox(SecretKeys.CreateNew());
        var sealedValue = box.Seal("payment-service-id", "secret");
        Assert.False(box.TryOpen("registration", sealedValue, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("no-colon")]
    [InlineData("s9:AAAA")]
    [InlineData("s1:not base64url!")]
    [InlineData("s1:AAAA")]
    public void Malformed_or_unknown_sealed_values_do_not_open(string? sealedValue)
    {
        var box = new SecretBox(SecretKeys.CreateNew());
        Assert.False(box.TryOpen("payment-service-id", sealedValue, out var value));
        Assert.Equal("", value);
    }

    [Fact]
    public void An_altered_sealed_value_does_not_open()
    {
        var box = new SecretBox(SecretKeys.CreateNew());
        var sealedValue = box.Seal("p", "value");
        var altered = sealedValue[..^2] + (sealedValue[^2] == 'A' ? 'B' : 'A') + sealedValue[^1];
        Assert.False(box.TryOpen("p", altered, out _));
    }

    [Fact]
    public void Boxes_with_different_keys_used_in_turn_on_one_thread_each_open_only_their_own_values()
    {
        // Both rings name their key s1: only the key itself tells them apart, also to the thread's kept cipher.
        var first = new SecretBox(SecretKeys.CreateNew());
        var second = new SecretBox(SecretKeys.CreateNew());
        var sealedByFirst = first.Seal("p", "first");
        var sealedBySecond = second.Seal("p", "second");

        Assert.False(first.TryOpen("p", sealedBySecond, out _));
        Assert.True(first.TryOpen("p", sealedByFirst, out var opened));
        Assert.Equal("first", opened);
        Assert.False(second.TryOpen("p", sealedByFirst, out _));
        Assert.True(second.TryOpen("p", sealedBySecond, out opened));
        Assert.Equal("second", opened);
        Assert.True(first.TryOpen("p", first.Seal("p", "again"), out opened));
        Assert.Equal("again", opened);
    }

    [Fact]
    public void Values_sealed_and_opened_on_many_threads_at_once_each_open_to_themselves()
    {
        var box = new SecretBox(SecretKeys.CreateNew());
        // Long values keep each cipher busy long enough for two threads to meet in one, were it shared.
        var padding = new string('x', 16_384);
        var wrong = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, worker =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                var value = $"worker {worker} value {i} {padding}";
                if (!box.TryOpen("p", box.Seal("p", value), out var opened) || opened != value)
                    Interlocked.Increment(ref wrong);
            }
        });
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void After_rotation_new_values_use_the_new_key_and_old_ones_still_open()
    {
        var keys = SecretKeys.CreateNew();
        var old = new SecretBox(keys).Seal("p", "before");
        var rotated = keys.Rotate();
        var box = new SecretBox(rotated);

        Assert.Equal("s2", rotated.CurrentSealingKeyId);
        Assert.StartsWith("s2:", box.Seal("p", "after"));
        Assert.True(box.TryOpen("p", old, out var opened));
        Assert.Equal("before", opened);
        Assert.Equal(new SecretBox(keys).Hash("phone", "1234"), box.Hash("phone", "1234")); // hashes survive rotation
    }

    [Fact]
    public void Keyed_hashes_depend_on_the_key_the_purpose_and_the_value()
    {
        var box = new SecretBox(SecretKeys.CreateNew());
        var other = new SecretBox(SecretKeys.CreateNew());
        var hash = box.Hash("phone-last4", "1234");

        Assert.StartsWith("h1:", hash);
        Assert.Equal(67, hash.Length);
        Assert.True(box.HashEquals("phone-last4", "1234", hash));
        Assert.False(box.HashEquals("phone-last4", "1235", hash));
        Assert.False(box.HashEquals("other", "1234", hash));
        Assert.False(other.HashEquals("phone-last4", "1234", hash));
        Assert.False(box.HashEquals("phone-last4", "1234", null));
    }

    [Fact]
    public void The_key_file_is_created_once_private_and_read_back_the_same()
    {
        var first = SecretKeys.Load(null, _folder);
        var second = SecretKeys.Load(null, _folder);
        var path = SecretKeys.DefaultPath(_folder);

        Assert.Equal(new SecretBox(first).Hash("p", "v"), new SecretBox(second).Hash("p", "v"));
        Assert.True(new SecretBox(second).TryOpen("p", new SecretBox(first).Seal("p", "v"), out _));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_rotated_key_file_saved_and_loaded_opens_values_of_both_keys()
    {
        var keys = SecretKeys.Load(null, _folder);
        var old = new SecretBox(keys).Seal("p", "one");
        var rotated = keys.Rotate();
        rotated.Save(SecretKeys.DefaultPath(_folder));
        var loaded = SecretKeys.Load(null, _folder);

        Assert.Equal("s2", loaded.CurrentSealingKeyId);
        Assert.True(new SecretBox(loaded).TryOpen("p", old, out var value));
        Assert.Equal("one", value);
    }

    [Fact]
    public void A_configured_key_file_that_does_not_exist_is_refused_rather_than_created()
    {
        var missing = Path.Combine(_folder, "missing.json");
        var error = Assert.Throws<InvalidOperationException>(() => SecretKeys.Load(missing, _folder));
        Assert.Contains("does not exist", error.Message);
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public void A_damaged_key_file_is_refused_with_its_path()
    {
        var path = Path.Combine(_folder, "bad.json");
        File.WriteAllText(path, "{\"current\":\"s1\",\"sealing\":{\"s1\":\"AAAA\"},\"hashId\":\"h1\",\"hash\":\"AAAA\"}");
        var error = Assert.Throws<InvalidOperationException>(() => SecretKeys.Load(path, _folder));
        Assert.Contains(path, error.Message);
    }
}
