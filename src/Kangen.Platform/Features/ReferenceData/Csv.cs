using System.IO.Compression;
using System.Text;

namespace Kangen.Platform.Features.ReferenceData;

/// <summary>
/// The small CSV dialect of Kangen's data files: RFC 4180 quoting, one record per line (no line breaks
/// inside fields), UTF-8, LF line ends.
/// </summary>
public static class Csv
{
    /// <summary>Splits one line into fields; null when the quoting is malformed.</summary>
    public static string[]? TrySplit(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.IndexOf('"') < 0)
            return line.Split(',');
        var fields = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                        return null; // unterminated quote
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',')
                    return null; // text after a closing quote
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    if (line[i] == '"')
                        return null; // a quote inside an unquoted field
                    field.Append(line[i++]);
                }
            }
            fields.Add(field.ToString());
            if (i >= line.Length)
                return [.. fields];
            i++; // the comma
        }
    }

    /// <summary>Joins fields into one line, quoting only the fields that need it.</summary>
    public static string Join(IEnumerable<string> fields) =>
        string.Join(',', fields.Select(f => f.AsSpan().IndexOfAny("\",\r\n") >= 0 ? "\"" + f.Replace("\"", "\"\"") + "\"" : f));
}

/// <summary>Reads the reference files embedded from <c>data/reference/</c>.</summary>
internal static class EmbeddedData
{
    /// <summary>The data lines of an embedded CSV (header checked and skipped); <c>.gz</c> files are decompressed.</summary>
    public static IEnumerable<string[]> Rows(string fileName, string expectedHeader)
    {
        var assembly = typeof(EmbeddedData).Assembly;
        using var stream = assembly.GetManifestResourceStream("Kangen.Data.Reference." + fileName)
            ?? throw new InvalidOperationException($"The embedded data file {fileName} is missing from the build.");
        using Stream content = fileName.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
        using var reader = new StreamReader(content, Encoding.UTF8);
        var header = reader.ReadLine();
        if (header != expectedHeader)
            throw new InvalidDataException($"{fileName}: header '{header}' is not '{expectedHeader}'; re-run tools/import-data/run.sh.");
        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
                continue;
            yield return Csv.TrySplit(line) ?? throw new InvalidDataException($"{fileName} line {lineNumber}: malformed CSV.");
        }
    }
}
