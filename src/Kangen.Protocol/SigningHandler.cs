using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Kangen.Protocol;

/// <summary>
/// Signs every outgoing request with <see cref="RequestSigning"/>. The body's digest is computed from the
/// content unless the caller already set <see cref="RequestSigning.DigestHeader"/> (a large upload streamed from
/// a file computes its digest beforehand, so the handler does not buffer it).
/// </summary>
public sealed class SigningHandler(ECDsa key, TimeProvider time) : DelegatingHandler
{
    private readonly string _keyId = SigningKeys.KeyId(key);

    /// <summary>The id of the key requests are signed with.</summary>
    public string KeyId => _keyId;

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SignAsync(request, key, _keyId, time, cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the signature headers to <paramref name="request"/> (replacing earlier ones, so a retry is signed afresh).</summary>
    public static async Task SignAsync(HttpRequestMessage request, ECDsa key, string keyId, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(time);
        string digest;
        if (request.Content is null)
            digest = RequestSigning.EmptyDigest;
        else if (request.Content.Headers.TryGetValues(RequestSigning.DigestHeader, out var declared))
            digest = declared.First();
        else
        {
            var body = await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            digest = RequestSigning.Digest(body);
            request.Content.Headers.TryAddWithoutValidation(RequestSigning.DigestHeader, digest);
        }
        var uri = request.RequestUri ?? throw new InvalidOperationException("A signed request needs an absolute URI.");
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var signature = RequestSigning.Sign(key, request.Method.Method, uri.PathAndQuery, timestamp, keyId, digest);
        var headers = request.Headers;
        headers.Remove(RequestSigning.KeyIdHeader);
        headers.Remove(RequestSigning.TimestampHeader);
        headers.Remove(RequestSigning.SignatureHeader);
        headers.TryAddWithoutValidation(RequestSigning.KeyIdHeader, keyId);
        headers.TryAddWithoutValidation(RequestSigning.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation(RequestSigning.SignatureHeader, signature);
        if (request.Content is null)
        {
            // GET and DELETE carry the empty body's digest in a request header.
            headers.Remove(RequestSigning.DigestHeader);
            headers.TryAddWithoutValidation(RequestSigning.DigestHeader, digest);
        }
    }

    /// <summary>Content streamed from a file with its digest declared, so the signer need not buffer it.</summary>
    public static async Task<HttpContent> FileContentAsync(string path, string mediaType, CancellationToken cancellationToken)
    {
        byte[] hash;
        await using (var stream = File.OpenRead(path))
            hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        var content = new StreamContent(File.OpenRead(path), 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        content.Headers.TryAddWithoutValidation(RequestSigning.DigestHeader, RequestSigning.FormatDigest(hash));
        return content;
    }
}
