using System.Text.RegularExpressions;
using Kangen.Platform.Features.Secrets;
using Kangen.Platform.Tests.Reliability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Features.Secrets;

/// <summary>
/// The key file on disk: a replica that is never restarted still seals with the file's current key, a file whose key
/// ids clash with the box's is refused, and saving is atomic, exclusive and keeps the file's owner.
/// </summary>
public sealed class KeyFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("kangen-secrets-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_box_that_never_meets_a_newer_value_seals_with_the_rotated_key_within_the_interval()
    {
        var time = new FakeTimeProvider();
        var box = new SecretBox(SecretKeys.Load(null, _folder), time);
        var path = SecretKeys.DefaultPath(_folder);
        SecretKeys.Read(path).Rotate().Save(path);

        Assert.StartsWith("s1:", box.Seal("p", "v"), StringComparison.Ordinal); // the file is looked at once per interval
        time.Advance(SecretBox.RereadInterval);
        Assert.StartsWith("s2:", box.Seal("p", "v"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_whose_shared_key_id_has_other_bytes_is_not_adopted_and_the_warning_names_ids_only()
    {
        var time = new FakeTimeProvider();
        var logs = new CapturedLogs();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        var original = SecretKeys.Load(null, _folder);
        var path = SecretKeys.DefaultPath(_folder);
        var first = original.Rotate();
        first.Save(path);
        var box = new SecretBox(SecretKeys.Read(path), time, factory.CreateLogger<SecretBox>());
        // A rotation from a stale copy of the file: another, different s2.
        var stale = original.Rotate().Rotate();
        stale.Save(path);
        var staleValue = new SecretBox(stale).Seal("p", "value"); // s3, which the box does not hold

        Assert.False(box.TryOpen("p", staleValue, out _));
        time.Advance(SecretBox.RereadInterval);
        var sealedValue = box.Seal("p", "v");
        Assert.StartsWith("s2:", sealedValue, StringComparison.Ordinal);
        Assert.True(new SecretBox(first).TryOpen("p", sealedValue, out _)); // still the s2 of the file the box had
        var warnings = logs.Lines().Where(l => l.Contains("not adopted", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(warnings);
        Assert.All(warnings, w => Assert.Contains("key ids s2", w));
        foreach (Match key in Regex.Matches(File.ReadAllText(path), "\"([A-Za-z0-9+/]{40,}={0,2})\""))
            Assert.All(logs.Lines(), l => Assert.DoesNotContain(key.Groups[1].Value[..16], l, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Instances_starting_together_on_an_empty_folder_all_use_one_whole_key_file()
    {
        // Two instances on one data folder (as the call-centre limit tests run them): the one that loses the race to create
        // the file must read the winner's, whole (a CI run once read it half-written), and every instance holds the same keys.
        for (var round = 0; round < 200; round++)
        {
            var folder = Path.Combine(_folder, round.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var start = new Barrier(3);
            var loads = Enumerable.Range(0, 3).Select(_ => Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                return SecretKeys.Load(null, folder);
            }, TaskCreationOptions.LongRunning)).ToArray();
            var keys = await Task.WhenAll(loads);

            var saved = SecretKeys.Read(SecretKeys.DefaultPath(folder));
            Assert.All(keys, key =>
            {
                Assert.True(key.SameHashKey(saved));
                Assert.Equal(saved.SealingKeyIds, key.SealingKeyIds);
                Assert.Empty(key.ConflictingSealingKeyIds(saved));
            });
            Assert.Equal(["secrets.json"], Directory.GetFiles(Path.Combine(folder, "platform")).Select(Path.GetFileName));
        }
    }

    [Fact]
    public void Saving_replaces_the_file_whole_and_leaves_no_temporary_file()
    {
        var path = SecretKeys.DefaultPath(_folder);
        SecretKeys.Load(null, _folder);
        File.WriteAllText(path + ".tmp", "a leftover of an old save");

        SecretKeys.Read(path).Rotate().Save(path);

        Assert.Equal(["s1", "s2"], SecretKeys.Read(path).SealingKeyIds);
        Assert.Equal([Path.GetFileName(path), Path.GetFileName(path) + ".tmp"],
            Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void The_key_file_lock_is_held_by_one_command_at_a_time()
    {
        var path = SecretKeys.DefaultPath(_folder);
        SecretKeys.Load(null, _folder);

        using (SecretKeys.Lock(path))
            Assert.ThrowsAny<IOException>(() => SecretKeys.Lock(path));
        using (SecretKeys.Lock(path))
        {
        }
    }

    [Fact]
    public void A_file_saved_by_root_keeps_the_owner_and_group_of_the_file_it_replaces()
    {
        // Only root can give the file away first (xUnit 2 cannot skip at run time): elsewhere there is nothing to check.
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            return;
        var path = SecretKeys.DefaultPath(_folder);
        SecretKeys.Load(null, _folder);
        Chown(path, "65534:65534"); // nobody, as a replica's service user would own it

        SecretKeys.Read(path).Rotate().Save(path);

        Assert.Equal("65534:65534", Stat(path));
        Assert.Equal(["s1", "s2"], SecretKeys.Read(path).SealingKeyIds);
    }

    private static void Chown(string path, string owner)
    {
        using var process = System.Diagnostics.Process.Start("chown", [owner, path]);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    private static string Stat(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%u:%g", path]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }
}
