using Kangen.Operator.Verification;
using Kangen.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Operator.Tests;

public sealed class PlatformKeyTests
{
    [Fact]
    public async Task A_rotated_platform_key_is_followed_at_most_once_a_minute()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "platform.pem");
        using var first = SigningKeys.Create();
        using var second = SigningKeys.Create();
        await File.WriteAllTextAsync(file, SigningKeys.PublicPem(first));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        using var key = new PlatformKey(time, file, null);

        var loaded = await key.ForAsync(SigningKeys.KeyId(first), CancellationToken.None);
        Assert.Equal(SigningKeys.KeyId(first), SigningKeys.KeyId(loaded!));

        // The platform rotates its key: a call signed with the new one is refused until a refetch is due, then followed.
        await File.WriteAllTextAsync(file, SigningKeys.PublicPem(second));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await key.ForAsync(SigningKeys.KeyId(second), CancellationToken.None));
        Assert.Equal(SigningKeys.KeyId(first), key.KeyId);
        time.Advance(PlatformKey.RefetchInterval);
        Assert.NotNull(await key.ForAsync(SigningKeys.KeyId(second), CancellationToken.None));
        Assert.Equal(SigningKeys.KeyId(second), key.KeyId);

        // Calls naming a key id nobody uses cause no fetch within the minute.
        await File.WriteAllTextAsync(file, SigningKeys.PublicPem(first));
        Assert.Null(await key.ForAsync("k-11111111111111111111", CancellationToken.None));
        Assert.Null(await key.ForAsync(SigningKeys.KeyId(first), CancellationToken.None));
        Assert.Equal(SigningKeys.KeyId(second), key.KeyId);
    }

    [Fact]
    public async Task Without_a_usable_key_the_source_is_tried_again_only_every_few_seconds()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "platform.pem");
        await File.WriteAllTextAsync(file, "not a key");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        using var key = new PlatformKey(time, file, null);
        using var platform = SigningKeys.Create();

        await Assert.ThrowsAsync<InvalidOperationException>(() => key.ForAsync(SigningKeys.KeyId(platform), CancellationToken.None));
        await File.WriteAllTextAsync(file, SigningKeys.PublicPem(platform));
        Assert.Null(await key.ForAsync(SigningKeys.KeyId(platform), CancellationToken.None)); // not tried again yet
        time.Advance(PlatformKey.RetryWithoutKey);
        Assert.NotNull(await key.ForAsync(SigningKeys.KeyId(platform), CancellationToken.None));
    }
}
