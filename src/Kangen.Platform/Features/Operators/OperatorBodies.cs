using System.Security.Cryptography;
using System.Text.Json;
using Kangen.Platform.Problems;
using Microsoft.AspNetCore.Http.Features;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Operators;

/// <summary>
/// Reading the body of a signed operator request, checked against the digest the signature covers: a body
/// changed in transit is refused before anything is done with it.
/// </summary>
public static class OperatorBodies
{
    /// <summary>Largest JSON body (a batch of 1,000 grant lines is about 200 KB).</summary>
    public const int MaxJsonBytes = 1 << 20;

    /// <summary>Largest bulk file (about 10 million grant lines).</summary>
    public const long MaxBulkBytes = 2L << 30;

    /// <summary>Reads and checks a JSON body of at most <see cref="MaxJsonBytes"/> and deserialises it.</summary>
    public static async Task<(T? Value, PlatformProblem? Problem)> ReadJsonAsync<T>(HttpContext context, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(context);
        var (bytes, problem) = await ReadBytesAsync(context, MaxJsonBytes, cancellationToken);
        if (problem is not null)
            return (null, problem);
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, ProtocolJson.Options);
            return value is null
                ? (null, OperatorProblems.RequestInvalid.WithDetail("the body is empty or null"))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, OperatorProblems.RequestInvalid.WithDetail("the body is not valid JSON of the expected shape: " + e.Message));
        }
    }

    /// <summary>Reads and checks a body of at most <paramref name="limit"/> bytes.</summary>
    public static async Task<(byte[] Bytes, PlatformProblem? Problem)> ReadBytesAsync(HttpContext context, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.ContentLength > limit)
            return ([], OperatorProblems.BodyTooLarge.WithDetail($"at most {limit:N0} bytes"));
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
                return ([], OperatorProblems.BodyTooLarge.WithDetail($"at most {limit:N0} bytes"));
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        return DigestMatches(context, SHA256.HashData(bytes)) ? (bytes, null) : ([], OperatorProblems.DigestMismatch);
    }

    /// <summary>
    /// Copies the body to a temporary file (deleted when the returned stream is disposed), checking size and
    /// digest, and returns the file positioned at its start. Large uploads never sit in memory.
    /// </summary>
    public static async Task<(FileStream? File, PlatformProblem? Problem)> SpoolAsync(HttpContext context, long limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Request.ContentLength > limit)
            return (null, OperatorProblems.BodyTooLarge.WithDetail($"at most {limit:N0} bytes"));
        // The server's own body limit (Kestrel: 30,000,000 bytes by default) would cut a bulk file short; this
        // method enforces its own limit as it reads.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
            bodySize.MaxRequestBodySize = limit;
        var path = Path.Combine(Path.GetTempPath(), "kangen-upload-" + Guid.NewGuid().ToString("N"));
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var chunk = new byte[1 << 16];
            long total = 0;
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    await file.DisposeAsync();
                    return (null, OperatorProblems.BodyTooLarge.WithDetail($"at most {limit:N0} bytes"));
                }
                hash.AppendData(chunk, 0, read);
                await file.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
            }
            if (!DigestMatches(context, hash.GetHashAndReset()))
            {
                await file.DisposeAsync();
                return (null, OperatorProblems.DigestMismatch);
            }
            await file.FlushAsync(cancellationToken);
            file.Position = 0;
            return (file, null);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>Longest line of a spooled NDJSON body (a grant line is a few hundred characters).</summary>
    public const int MaxLineChars = 16 * 1024;

    /// <summary>
    /// The lines of a spooled NDJSON body (UTF-8, LF or CRLF), each at most <see cref="MaxLineChars"/> characters: a
    /// longer line is yielded as null (the caller refuses it) and never held whole, so a file without line breaks
    /// cannot fill memory.
    /// </summary>
    public static async IAsyncEnumerable<string?> ReadLinesAsync(Stream file, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        using var reader = new StreamReader(file, new System.Text.UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
        var buffer = new char[1 << 16];
        var line = new System.Text.StringBuilder();
        var tooLong = false;
        var pending = false;
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != '\n')
                    continue;
                Append(buffer.AsSpan(start, i - start));
                yield return Take();
                start = i + 1;
            }
            Append(buffer.AsSpan(start, read - start));
        }
        if (pending)
            yield return Take();

        void Append(ReadOnlySpan<char> chars)
        {
            pending |= chars.Length > 0;
            if (tooLong)
                return;
            if (line.Length + chars.Length > MaxLineChars + 1) // + 1: the '\r' of CRLF
                tooLong = true;
            else
                line.Append(chars);
        }

        string? Take()
        {
            var text = tooLong ? null : line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();
            line.Clear();
            tooLong = false;
            pending = false;
            return text is { Length: > MaxLineChars } ? null : text;
        }
    }

    private static bool DigestMatches(HttpContext context, byte[] actual) =>
        context.Items[OperatorPrincipal.DigestItem] is byte[] declared && CryptographicOperations.FixedTimeEquals(declared, actual);
}
