using System.Net;
using System.Security.Cryptography;
using System.Text;
using Kangen.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Platform.Tests.Protocol;

public sealed class RequestSigningTests
{
    private static readonly DateTimeOffset Now = new(2022, 10, 15, 3, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_signature_verifies_with_the_signers_public_key_only()
    {
        using var key = SigningKeys.Create();
        using var other = SigningKeys.Create();
        var keyId = SigningKeys.KeyId(key);
        var digest = RequestSigning.Digest("{\"a\":1}"u8);
        var signature = RequestSigning.Sign(key, "post", "/api/v1/operator/grants?x=1", 1665802800, keyId, digest);

        using var publicOnly = ECDsa.Create();
        publicOnly.ImportSubjectPublicKeyInfo(key.ExportSubjectPublicKeyInfo(), out _);
        Assert.True(RequestSigning.Verify(publicOnly, "POST", "/api/v1/operator/grants?x=1", 1665802800, keyId, digest, signature));
        Assert.False(RequestSigning.Verify(other, "POST", "/api/v1/operator/grants?x=1", 1665802800, keyId, digest, signature));
    }

    [Theory]
    [InlineData("GET", "/api/v1/operator/grants?x=1", 1665802800L, "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:")]
    [InlineData("POST", "/api/v1/operator/grants?x=2", 1665802800L, null)]
    [InlineData("POST", "/api/v1/operator/grants?x=1", 1665802801L, null)]
    [InlineData("POST", "/api/v1/operator/grants/bulk?x=1", 1665802800L, null)]
    public void Changing_any_signed_part_breaks_the_signature(string method, string path, long timestamp, string? digest)
    {
        using var key = SigningKeys.Create();
        var keyId = SigningKeys.KeyId(key);
        var signedDigest = RequestSigning.Digest("{\"a\":1}"u8);
        var signature = RequestSigning.Sign(key, "POST", "/api/v1/operator/grants?x=1", 1665802800, keyId, signedDigest);

        Assert.False(RequestSigning.Verify(key, method, path, timestamp, keyId, digest ?? signedDigest, signature));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Malformed_signatures_do_not_verify(string signature)
    {
        using var key = SigningKeys.Create();
        Assert.False(RequestSigning.Verify(key, "GET", "/", 1, SigningKeys.KeyId(key), RequestSigning.EmptyDigest, signature));
    }

    [Fact]
    public void The_digest_header_round_trips_and_rejects_other_algorithms()
    {
        var body = Encoding.UTF8.GetBytes("line\n");
        var header = RequestSigning.Digest(body);

        Assert.Equal(SHA256.HashData(body), RequestSigning.ParseDigest(header));
        Assert.Null(RequestSigning.ParseDigest("sha-512=:" + Convert.ToBase64String(SHA512.HashData(body)) + ":"));
        Assert.Null(RequestSigning.ParseDigest("sha-256=:AAAA:"));
        Assert.Null(RequestSigning.ParseDigest(null));
    }

    [Fact]
    public void Timestamps_are_fresh_within_five_minutes_either_way()
    {
        var now = Now.ToUnixTimeSeconds();
        Assert.True(RequestSigning.IsFresh(now - 300, Now));
        Assert.True(RequestSigning.IsFresh(now + 300, Now));
        Assert.False(RequestSigning.IsFresh(now - 301, Now));
        Assert.False(RequestSigning.IsFresh(now + 301, Now));
    }

    [Fact]
    public void Timestamps_at_the_ends_of_the_range_are_stale_not_an_overflow()
    {
        var now = Now.ToUnixTimeSeconds();
        // now - timestamp is exactly 2^63 here: it wrapped to long.MinValue and Math.Abs threw (an unsigned sender
        // could make the operator's verification endpoint, which accepts a sign, answer 500).
        Assert.False(RequestSigning.IsFresh(now + long.MinValue, Now));
        Assert.False(RequestSigning.IsFresh(long.MinValue, Now));
        Assert.False(RequestSigning.IsFresh(long.MaxValue, Now));
    }

    [Fact]
    public void Public_keys_are_read_only_from_p256_public_pem()
    {
        using var key = SigningKeys.Create();
        Assert.True(SigningKeys.TryReadPublic(SigningKeys.PublicPem(key), out var read, out _));
        Assert.Equal(SigningKeys.KeyId(key), SigningKeys.KeyId(read!));
        read!.Dispose();

        Assert.False(SigningKeys.TryReadPublic(SigningKeys.PrivatePem(key), out _, out var privateReason));
        Assert.Contains("private", privateReason, StringComparison.Ordinal);
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.False(SigningKeys.TryReadPublic(p384.ExportSubjectPublicKeyInfoPem(), out _, out var curveReason));
        Assert.Contains("P-256", curveReason, StringComparison.Ordinal);
        using var rsa = RSA.Create(2048);
        Assert.False(SigningKeys.TryReadPublic(rsa.ExportSubjectPublicKeyInfoPem(), out _, out _));
        Assert.False(SigningKeys.TryReadPublic("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", out _, out _));
    }

    [Fact]
    public async Task The_signing_handler_signs_what_is_sent_and_a_retry_afresh()
    {
        using var key = SigningKeys.Create();
        var time = new FakeTimeProvider(Now);
        var seen = new List<HttpRequestMessage>();
        using var handler = new SigningHandler(key, time) { InnerHandler = new Recorder(seen) };
        using var client = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:1") };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/operator/grants?x=1") { Content = new StringContent("{\"grants\":[]}") };
        await client.SendAsync(request);
        time.Advance(TimeSpan.FromSeconds(7));
        using var get = new HttpRequestMessage(HttpMethod.Get, "/api/v1/operator/enrolments?after=1.0");
        await client.SendAsync(get);

        var post = seen[0];
        var digest = post.Content!.Headers.GetValues(RequestSigning.DigestHeader).Single();
        Assert.Equal(RequestSigning.Digest("{\"grants\":[]}"u8), digest);
        Assert.True(RequestSigning.Verify(key, "POST", "/api/v1/operator/grants?x=1", Now.ToUnixTimeSeconds(), handler.KeyId, digest,
            post.Headers.GetValues(RequestSigning.SignatureHeader).Single()));
        var second = seen[1];
        Assert.Equal(RequestSigning.EmptyDigest, second.Headers.GetValues(RequestSigning.DigestHeader).Single());
        Assert.Equal((Now.ToUnixTimeSeconds() + 7).ToString(System.Globalization.CultureInfo.InvariantCulture), second.Headers.GetValues(RequestSigning.TimestampHeader).Single());
        Assert.True(RequestSigning.Verify(key, "GET", "/api/v1/operator/enrolments?after=1.0", Now.ToUnixTimeSeconds() + 7, handler.KeyId, RequestSigning.EmptyDigest,
            second.Headers.GetValues(RequestSigning.SignatureHeader).Single()));
    }

    [Fact]
    public async Task A_file_upload_declares_its_digest_without_being_buffered_by_the_signer()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "{\"key\":\"a\"}\n{\"key\":\"b\"}\n");
            using var content = await SigningHandler.FileContentAsync(path, OperatorRoutes.Ndjson, CancellationToken.None);
            Assert.Equal(RequestSigning.Digest(await File.ReadAllBytesAsync(path)), content.Headers.GetValues(RequestSigning.DigestHeader).Single());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Recorder(List<HttpRequestMessage> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
        }
    }
}
