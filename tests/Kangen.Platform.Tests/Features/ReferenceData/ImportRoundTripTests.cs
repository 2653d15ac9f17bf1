using System.Diagnostics;
using System.IO.Compression;

namespace Kangen.Platform.Tests.Features.ReferenceData;

public class ImportRoundTripTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kangen.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Run the tests from inside the repository.");
    }

    [Fact]
    public void The_assembly_embeds_exactly_the_committed_data_files()
    {
        var folder = Path.Combine(RepoRoot(), "data", "reference");
        var assembly = typeof(Kangen.Platform.Features.ReferenceData.ReferenceDataSet).Assembly;
        var files = Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(6, files.Length);
        foreach (var name in files)
        {
            using var stream = assembly.GetManifestResourceStream("Kangen.Data.Reference." + name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, name!)), copy.ToArray());
        }
    }

    [Fact]
    public void Compressed_files_have_no_timestamp_so_the_import_is_byte_stable()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(RepoRoot(), "data", "reference"), "*.gz"))
        {
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(0, BitConverter.ToInt32(bytes, 4)); // gzip MTIME
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            Assert.True(gzip.ReadByte() >= 0);
        }
    }

    // Re-runs the import from the pinned npm packages (needs node and npm with registry access) and
    // requires every output to be byte-identical to the committed file.
    [Fact]
    public async Task Rerunning_the_import_reproduces_the_committed_files_byte_for_byte()
    {
        var script = Path.Combine(RepoRoot(), "tools", "import-data", "run.sh");
        var start = new ProcessStartInfo("bash", [script, "--check"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        var (stdout, stderr) = (await output, await error);
        Assert.True(process.ExitCode == 0, $"run.sh --check failed: {stdout}{stderr}");
        Assert.Contains("round-trip ok", stdout, StringComparison.Ordinal);
    }
}
