using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Kangen.Operator.Accounts;
using Kangen.Operator.Hosting;
using Kangen.Operator.Services;
using Kangen.Operator.Storage;
using Kangen.Operator.Verification;
using Kangen.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Kangen.Operator.Tests;

/// <summary>The operator app on Kestrel (127.0.0.1, a free port), called over real HTTP as the platform would.</summary>
public sealed class VerificationEndpointTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private readonly ECDsa _platformKey = SigningKeys.Create();
    private WebApplication _app = null!;
    private Uri _verify = null!;
    private OpenedAccount _account = null!;

    public async Task InitializeAsync()
    {
        var store = new OperatorStore(_folder.Path, "kangen-demo");
        await using (var db = store.Open())
            _account = (await AccountBook.OpenAsync(db, OperatorServices.Load("kangen-demo").Find("demo-pay")!, 1, new Random(11), DateTimeOffset.UtcNow, default))[0];
        var options = new OperatorOptions { Code = "kangen-demo", Data = _folder.Path, Background = false };
        var publicPem = SigningKeys.PublicPem(_platformKey);
        _app = OperatorHost.Build(["--urls=http://127.0.0.1:0"], options,
            builder => builder.Services.AddSingleton(PlatformKey.FromPem(publicPem, TimeProvider.System)));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _verify = new Uri(new Uri(address), options.VerifyPath);
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _platformKey.Dispose();
        _folder.Dispose();
    }

    private static JsonContent Body(string service, IReadOnlyDictionary<string, string> fields) =>
        JsonContent.Create(new AccountVerificationRequest(service, fields), options: ProtocolJson.Options);

    private async Task<HttpResponseMessage> SendSignedAsync(ECDsa key, TimeProvider time, HttpContent content)
    {
        using var http = new HttpClient(new SigningHandler(key, time) { InnerHandler = new SocketsHttpHandler() });
        return await http.PostAsync(_verify, content);
    }

    [Fact]
    public async Task A_call_signed_with_the_platforms_key_is_answered_verified()
    {
        using var response = await SendSignedAsync(_platformKey, TimeProvider.System, Body("demo-pay", _account.Fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<AccountVerificationResponse>(ProtocolJson.Options);
        Assert.Equal(AccountVerificationResponse.Verified, answer!.Result);
        Assert.Equal(_account.Reference, answer.AccountReference);
        Assert.Equal(AccountBook.Mask(_account.HolderKana), answer.MaskedHolderName);
    }

    [Fact]
    public async Task Wrong_codes_in_a_signed_call_are_rejected_not_unauthorised()
    {
        var fields = new Dictionary<string, string>(_account.Fields) { ["securityCode3"] = _account.Fields["securityCode3"] == "000" ? "001" : "000" };
        using var response = await SendSignedAsync(_platformKey, TimeProvider.System, Body("demo-pay", fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<AccountVerificationResponse>(ProtocolJson.Options);
        Assert.Equal("codes-mismatch", answer!.Reason);
    }

    [Fact]
    public async Task A_call_signed_with_another_key_is_401()
    {
        using var other = SigningKeys.Create();
        using var response = await SendSignedAsync(other, TimeProvider.System, Body("demo-pay", _account.Fields));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_stale_signature_is_401()
    {
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow - RequestSigning.MaxSkew - TimeSpan.FromMinutes(1));
        using var response = await SendSignedAsync(_platformKey, past, Body("demo-pay", _account.Fields));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_body_changed_after_signing_is_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _verify) { Content = Body("demo-pay", _account.Fields) };
        await SigningHandler.SignAsync(request, _platformKey, SigningKeys.KeyId(_platformKey), TimeProvider.System, default);
        var digest = request.Content!.Headers.GetValues(RequestSigning.DigestHeader).Single();
        var tampered = new Dictionary<string, string>(_account.Fields) { ["appUserId"] = "0000000000" };
        request.Content = Body("demo-pay", tampered);
        request.Content.Headers.TryAddWithoutValidation(RequestSigning.DigestHeader, digest);
        using var http = new HttpClient();
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_signature_for_another_path_is_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_verify, "/elsewhere")) { Content = Body("demo-pay", _account.Fields) };
        await SigningHandler.SignAsync(request, _platformKey, SigningKeys.KeyId(_platformKey), TimeProvider.System, default);
        request.RequestUri = _verify;
        using var http = new HttpClient();
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task An_unsigned_call_is_401()
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(_verify, Body("demo-pay", _account.Fields));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
