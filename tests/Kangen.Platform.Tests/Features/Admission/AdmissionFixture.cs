using Kangen.Platform.Features.Admission;
using Kangen.Platform.Storage;
using Kangen.Platform.Tests.Platform;
using Microsoft.Extensions.DependencyInjection;
using Kangen.Platform.Tests.Features.CallCentre;
using Microsoft.AspNetCore.Hosting;
using static Kangen.Platform.Tests.Platform.PlatformClient;

namespace Kangen.Platform.Tests.Features.Admission;

/// <summary>
/// A platform of its own with admission on at <see cref="Capacity"/> people and no background advance: each test
/// advances the queue itself (<see cref="AdvanceAsync"/>), so what it asserts does not depend on timing.
/// </summary>
public sealed class AdmissionFixture(StorageProvider provider) : CallCentreFixture(provider)
{
    public const int Capacity = 2;

    public AdmissionControl Admission => Factory.Services.GetRequiredService<AdmissionControl>();

    protected override void Configure(IWebHostBuilder web)
    {
        base.Configure(web);
        web.UseSetting("Kangen:Admission:Enabled", "true");
        web.UseSetting("Kangen:Admission:Capacity", Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
        web.UseSetting("Kangen:Admission:TickMilliseconds", "0");
    }

    public static async Task<AdmissionFixture> StartNewAsync(StorageProvider provider)
    {
        var fixture = new AdmissionFixture(provider);
        await fixture.InitializeAsync();
        return fixture;
    }

    /// <summary>One advance of the queue, as a replica's tick does it.</summary>
    public Task AdvanceAsync(AdmissionControl? on = null) => (on ?? Admission).AdvanceAsync(force: true, CancellationToken.None);

    /// <summary><c>POST /api/v1/admission</c>, optionally with a token and a window digit.</summary>
    public static Task<Reply> DrawAsync(HttpClient client, string? token = null, string? digit = null)
    {
        var headers = new Dictionary<string, string>();
        if (token is not null)
            headers[AdmissionHttp.Header] = token;
        if (digit is not null)
            headers[AdmissionHttp.WindowDigitHeader] = digit;
        return SendAsync(client, HttpMethod.Post, "/api/v1/admission", headers: headers);
    }

    /// <summary><c>GET /api/v1/admission</c> with <paramref name="token"/>.</summary>
    public static Task<Reply> StateAsync(HttpClient client, string? token) =>
        SendAsync(client, HttpMethod.Get, "/api/v1/admission", headers: token is null ? null : new Dictionary<string, string> { [AdmissionHttp.Header] = token });

    /// <summary>A client whose every request carries <paramref name="token"/> (as a citizen's app would).</summary>
    public HttpClient ClientWith(string token, Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>? on = null)
    {
        var client = (on ?? Factory).CreateClient();
        client.DefaultRequestHeaders.Add(AdmissionHttp.Header, token);
        return client;
    }
}
