using System.Text.RegularExpressions;
using Kangen.Rules;

namespace Kangen.Rules.Tests;

/// <summary>The domain stays free of infrastructure: no packages, no clock, no file or network access.</summary>
public class PurityTests
{
    [Fact]
    public void The_rules_library_references_only_the_base_class_library()
    {
        var references = typeof(Yen).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.All(references, name => Assert.True(name.StartsWith("System", StringComparison.Ordinal) || name == "netstandard", name));
    }

    [Fact]
    public void The_rules_source_reads_no_clock_and_does_no_io()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Kangen.slnx")))
            dir = dir.Parent;
        Assert.NotNull(dir);
        var forbidden = new Regex(@"DateTime(Offset)?\.(Now|UtcNow|Today)|TimeProvider\.System|\bFile\.|\bDirectory\.|HttpClient|Environment\.", RegexOptions.CultureInvariant);
        var sources = Directory.GetFiles(Path.Combine(dir!.FullName, "src", "Kangen.Rules"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(sources);
        Assert.All(sources, file => Assert.False(forbidden.IsMatch(File.ReadAllText(file)), file));
    }
}
