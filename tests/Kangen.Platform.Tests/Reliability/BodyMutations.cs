using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Kangen.Platform.Tests.Reliability;

/// <summary>A hostile body: what it does (for the failure message), its bytes and the content type sent with it.</summary>
public sealed record Mutation(string Name, byte[] Body, string? ContentType);

/// <summary>
/// Mutated bodies derived from a valid-looking seed, the same for a given seed number on every run: fields removed,
/// nulled, of another type, huge, deeply nested, with control characters or invalid UTF-8; duplicated keys, trailing
/// garbage, truncations, random insertions, other top-level values, an empty body and other content types.
/// </summary>
public static class BodyMutations
{
    /// <summary>A string that is large but under every JSON body limit (64 KB), so it reaches the parser and the rules.</summary>
    public const int HugeStringChars = 30_000;

    /// <summary>Most per-field mutations sent for one seed.</summary>
    public const int MaxFieldMutations = 36;

    private const string Hostile = "{}[],:\"\\\u0000\u0001\u001f\u007f<>'; \n\t\uFEFF\u202e";

    /// <summary>The mutations of <paramref name="seed"/>; <paramref name="ndjson"/> sends each as one NDJSON line (plus a good-looking second line).</summary>
    public static IReadOnlyList<Mutation> Of(JsonObject seed, int randomSeed, bool ndjson = false)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var random = new Random(randomSeed);
        var contentType = ndjson ? "application/x-ndjson" : "application/json";
        var text = seed.ToJsonString();
        var list = new List<Mutation>();
        void Add(string name, string body, string? type = null) => list.Add(new Mutation(name, Encoding.UTF8.GetBytes(body), type ?? contentType));
        void AddBytes(string name, byte[] body) => list.Add(new Mutation(name, body, contentType));

        foreach (var path in Paths(seed))
        {
            var where = string.Join('.', path);
            var node = Get(seed, path);
            Add($"{where} removed", Edit(seed, path, null, remove: true));
            Add($"{where} null", Edit(seed, path, null));
            Add($"{where} of another type", Edit(seed, path, node switch
            {
                JsonObject => new JsonArray(1, 2),
                JsonArray => new JsonObject { ["x"] = 1 },
                JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonValue.Create(12345),
                JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => JsonValue.Create("yes"),
                _ => JsonValue.Create("12x"),
            }));
            Add($"{where} an object", Edit(seed, path, new JsonObject { ["$where"] = "1=1", ["__proto__"] = new JsonObject() }));
            Add($"{where} huge string", Edit(seed, path, JsonValue.Create(new string('漢', HugeStringChars))));
            Add($"{where} control characters", Edit(seed, path, JsonValue.Create("\u0000a\u0007b\u001b[31m\r\nc\u2028\uFFFF")));
            Add($"{where} huge integer", Edit(seed, path, JsonNode.Parse("123456789012345678901234567890")));
            Add($"{where} huge exponent", Edit(seed, path, JsonNode.Parse("1e400")));
            Add($"{where} negative", Edit(seed, path, JsonNode.Parse("-9223372036854775808")));
            Add($"{where} fraction", Edit(seed, path, JsonNode.Parse("0.5")));
            Add($"{where} deeply nested", ReplaceRaw(seed, path, new string('[', 5000) + new string(']', 5000)));
            Add($"{where} lone surrogate", ReplaceRaw(seed, path, "\"\\ud800x\""));
            Add($"{where} invalid UTF-8", "");
            list[^1] = list[^1] with { Body = InvalidUtf8(seed, path) };
        }

        // A fixed sample of the per-field mutations keeps a large body (an application has 20 fields) from dominating
        // the run; every kind still comes up across the operations.
        if (list.Count > MaxFieldMutations)
        {
            var sample = list.OrderBy(_ => random.Next()).Take(MaxFieldMutations).ToList();
            list.Clear();
            list.AddRange(sample);
        }

        Add("duplicated keys", DuplicateFirstKey(seed));
        Add("trailing garbage", text + "}}garbage");
        Add("two objects", text + text);
        Add("byte order mark", "\uFEFF" + text);
        Add("NUL after the body", text + "\0");
        Add("deeply nested body", new string('[', 100_000));
        Add("deeply nested objects", string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000));
        Add("empty object", "{}");
        Add("array", "[]");
        Add("array of the body", "[" + text + "]");
        Add("string", "\"" + text.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"");
        Add("number", "42");
        Add("null", "null");
        Add("true", "true");
        Add("empty body", "");
        Add("whitespace only", " \r\n\t ");
        Add("single quotes", text.Replace('"', '\''));
        Add("comments", "/*x*/" + text + "//y");
        Add("trailing comma", text[..^1] + ",}");
        Add("form encoding", "a=1&b=%00", "application/x-www-form-urlencoded");
        Add("as plain text", text, "text/plain");
        Add("as xml", "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>", "application/xml");
        Add("without a content type", text, null);
        AddBytes("random bytes", RandomBytes(random, 512));
        AddBytes("invalid UTF-8 body", [0xC3, 0x28, 0xFF, 0xFE, 0xA0, 0xA1]);
        for (var i = 0; i < 4; i++)
        {
            var cut = random.Next(1, text.Length);
            Add($"truncated at {cut}", text[..cut]);
        }
        for (var i = 0; i < 8; i++)
        {
            var at = random.Next(0, text.Length);
            var inserted = Hostile[random.Next(Hostile.Length)];
            Add($"'{Escape(inserted)}' inserted at {at}", text.Insert(at, inserted.ToString()));
        }

        if (ndjson)
            // A hostile line among good-looking ones: the reader must refuse it by number and still read the rest.
            return list.Select(m => m.Body.Length == 0 ? m : m with { Body = [.. m.Body, (byte)'\n', .. Encoding.UTF8.GetBytes(text), (byte)'\n'] }).ToArray();
        return list;
    }

    private static IEnumerable<object[]> Paths(JsonNode node, object[]? prefix = null)
    {
        prefix ??= [];
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o)
                {
                    object[] path = [.. prefix, name];
                    yield return path;
                    if (child is not null)
                        foreach (var inner in Paths(child, path))
                            yield return inner;
                }
                break;
            case JsonArray a when a.Count > 0:
                object[] first = [.. prefix, 0];
                yield return first;
                if (a[0] is { } element)
                    foreach (var inner in Paths(element, first))
                        yield return inner;
                break;
        }
    }

    private static JsonNode? Get(JsonNode root, object[] path)
    {
        var node = root;
        foreach (var step in path)
            node = step is string name ? node![name] : node![(int)step];
        return node;
    }

    private static string Edit(JsonObject seed, object[] path, JsonNode? value, bool remove = false)
    {
        var copy = seed.DeepClone().AsObject();
        var parent = Get(copy, path[..^1])!;
        switch (path[^1])
        {
            case string name when remove:
                parent.AsObject().Remove(name);
                break;
            case string name:
                parent[name] = value?.DeepClone();
                break;
            case int index when remove:
                parent.AsArray().RemoveAt(index);
                break;
            case int index:
                parent[index] = value?.DeepClone();
                break;
        }
        return copy.ToJsonString();
    }

    /// <summary>The seed with the value at <paramref name="path"/> replaced by raw text that JSON nodes cannot hold.</summary>
    private static string ReplaceRaw(JsonObject seed, object[] path, string raw)
    {
        const string marker = "\"__kangen_marker__\"";
        return Edit(seed, path, JsonValue.Create("__kangen_marker__")).Replace(marker, raw, StringComparison.Ordinal);
    }

    private static byte[] InvalidUtf8(JsonObject seed, object[] path)
    {
        var text = Edit(seed, path, JsonValue.Create("__kangen_marker__"));
        var at = text.IndexOf("__kangen_marker__", StringComparison.Ordinal);
        var before = Encoding.UTF8.GetBytes(text[..at]);
        var after = Encoding.UTF8.GetBytes(text[(at + "__kangen_marker__".Length)..]);
        return [.. before, 0x41, 0xC3, 0x28, 0xED, 0xA0, 0x80, 0xFF, .. after];
    }

    private static string DuplicateFirstKey(JsonObject seed)
    {
        var (name, value) = seed.First();
        var text = seed.ToJsonString();
        var other = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? "\"other\"" : "1";
        return "{" + JsonSerializer.Serialize(name) + ":" + other + "," + text[1..];
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static string Escape(char c) => char.IsControl(c) || c > 0x7e ? $"\\u{(int)c:x4}" : c.ToString();
}
