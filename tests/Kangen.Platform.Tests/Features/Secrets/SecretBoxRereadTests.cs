using Kangen.Platform.Features.Secrets;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Secrets;

/// <summary>
/// A replica still running on the old keys during a rotation: a value sealed with a key it does not hold makes it
/// re-read its key file, at most once per <see cref="SecretBox.RereadInterval"/>, and never adopt another hashing key.
/// </summary>
public sealed class SecretBoxRereadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kangen-secrets-reread-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_value_under_a_newer_key_opens_once_the_file_has_it_and_the_box_then_seals_with_it()
    {
        var time = new FakeTimeProvider();
        var old = new SecretBox(SecretKeys.Load(null, _folder), time);
        var path = SecretKeys.DefaultPath(_folder);
        SecretKeys.Read(path).Rotate().Save(path);
        var restarted = new SecretBox(SecretKeys.Read(path), time);
        var sealedValue = restarted.Seal("p", "value");

        Assert.True(old.TryOpen("p", sealedValue, out var opened));
        Assert.Equal("value", opened);
        Assert.StartsWith("s2:", old.Seal("p", "next"), StringComparison.Ordinal);
        Assert.Equal(restarted.Hash("p", "1234"), old.Hash("p", "1234"));
    }

    [Fact]
    public void Unknown_key_ids_reread_the_file_at_most_once_per_interval()
    {
        var time = new FakeTimeProvider();
        var box = new SecretBox(SecretKeys.Load(null, _folder), time);
        var path = SecretKeys.DefaultPath(_folder);
        Assert.False(box.TryOpen("p", "s9:" + new string('A', 40), out _)); // a made-up key: the file is read, nothing new

        SecretKeys.Read(path).Rotate().Save(path);
        var sealedValue = new SecretBox(SecretKeys.Read(path), time).Seal("p", "value");
        Assert.False(box.TryOpen("p", sealedValue, out _)); // too soon after the last read

        time.Advance(SecretBox.RereadInterval);
        Assert.True(box.TryOpen("p", sealedValue, out _));
    }

    [Fact]
    public void A_file_with_another_hashing_key_is_not_adopted()
    {
        var time = new FakeTimeProvider();
        var box = new SecretBox(SecretKeys.Load(null, _folder), time);
        var path = SecretKeys.DefaultPath(_folder);
        var hash = box.Hash("p", "1234");
        var stranger = SecretKeys.CreateNew().Rotate();
        stranger.Save(path);

        Assert.False(box.TryOpen("p", new SecretBox(stranger).Seal("p", "value"), out _));
        Assert.Equal(hash, box.Hash("p", "1234"));
        Assert.StartsWith("s1:", box.Seal("p", "v"), StringComparison.Ordinal);
    }
}
