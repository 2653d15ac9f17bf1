using System.Net;
using System.Text.Json;
using Kangen.Platform.Features.Spots;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Kangen.Platform.Tests.Features.Spots;

/// <summary>The platform with its data folder (SQLite file, spot store) in a temporary directory.</summary>
public sealed class SpotsPlatformFactory : WebApplicationFactory<Program>
{
    public string DataFolder { get; } = Directory.CreateTempSubdirectory("kangen-spots-api-").FullName;

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) =>
        builder.UseSetting("Kangen:Data", DataFolder);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataFolder, recursive: true);
    }
}

public class SpotsApiTests(SpotsPlatformFactory factory) : IClassFixture<SpotsPlatformFactory>
{
    private async Task<(HttpStatusCode Status, string? ContentType, JsonElement Body)> GetAsync(string query)
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync("/api/v1/spots?" + query);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Nearest_spots_from_a_point_come_with_distances_operations_and_hours()
    {
        var (status, _, body) = await GetAsync("lat=35.681&lng=139.767&k=5");
        Assert.Equal(HttpStatusCode.OK, status);
        var spots = body.GetProperty("spots").EnumerateArray().ToArray();
        Assert.Equal(5, spots.Length);
        Assert.Equal(5, body.GetProperty("count").GetInt32());
        var distances = spots.Select(s => s.GetProperty("distanceMeters").GetDouble()).ToArray();
        Assert.Equal(distances.Order(), distances);
        var first = spots[0];
        Assert.True(first.GetProperty("generated").GetBoolean());
        Assert.NotEmpty(first.GetProperty("operations").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("hours").GetString()));
        Assert.Equal(6, first.GetProperty("municipality").GetString()!.Length);
        var expected = GeneratedSpots.Directory.Nearest(Kangen.Platform.Features.ReferenceData.GeoPoint.TryCreate(35.681, 139.767)!.Value, 5);
        Assert.Equal(expected.Select(m => m.Spot.Id), spots.Select(s => s.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Filters_by_kind_operation_and_opening_time()
    {
        var (status, _, body) = await GetAsync("municipality=131016&kind=post-office&operation=health-insurance&openAt=2022-07-01T10:00%2B09:00&k=10");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("131016", body.GetProperty("origin").GetProperty("municipality").GetString());
        var spots = body.GetProperty("spots").EnumerateArray().ToArray();
        Assert.Equal(10, spots.Length);
        Assert.All(spots, s => Assert.Equal("post-office", s.GetProperty("kind").GetString()));
        Assert.All(spots, s => Assert.Contains("health-insurance", s.GetProperty("operations").EnumerateArray().Select(o => o.GetString())));

        // 海の日 2022-07-18: post offices are closed.
        var (_, _, holiday) = await GetAsync("municipality=131016&kind=post-office&openAt=2022-07-18T10:00%2B09:00");
        Assert.Equal(0, holiday.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task A_postal_code_searches_from_its_municipality()
    {
        var (status, _, body) = await GetAsync("postalCode=100-0001&k=3");
        Assert.Equal(HttpStatusCode.OK, status);
        var origin = body.GetProperty("origin");
        Assert.Equal("1000001", origin.GetProperty("postalCode").GetString());
        Assert.Equal("131016", origin.GetProperty("municipality").GetString());
        Assert.Equal(3, body.GetProperty("count").GetInt32());
    }

    [Theory]
    [InlineData("lat=95&lng=139", "spots.invalid-coordinates", "lat")]
    [InlineData("lat=abc&lng=139", "spots.invalid-coordinates", "lat")]
    [InlineData("lat=35&lng=180.5", "spots.invalid-coordinates", "lng")]
    [InlineData("lat=35&lng=NaN", "spots.invalid-coordinates", "lng")]
    [InlineData("lat=35", "spots.invalid-coordinates", "lng")]
    [InlineData("", "spots.origin-required", "origin")]
    [InlineData("lat=35&lng=139&municipality=131016", "spots.origin-required", "origin")]
    [InlineData("municipality=999999", "spots.unknown-municipality", "municipality")]
    [InlineData("municipality=131017", "spots.unknown-municipality", "municipality")]
    [InlineData("postalCode=0000000", "spots.unknown-postal-code", "postalCode")]
    [InlineData("postalCode=12", "spots.invalid-postal-code", "postalCode")]
    [InlineData("lat=35&lng=139&operation=dance", "spots.invalid-operation", "operation")]
    [InlineData("lat=35&lng=139&operation=public-fund-account", "spots.operation-not-offered", "operation")]
    [InlineData("lat=35&lng=139&kind=castle", "spots.invalid-kind", "kind")]
    [InlineData("lat=35&lng=139&k=0", "spots.invalid-k", "k")]
    [InlineData("lat=35&lng=139&k=101", "spots.invalid-k", "k")]
    [InlineData("lat=35&lng=139&openAt=2022-07-01T10:00", "spots.invalid-open-at", "openAt")]
    [InlineData("lat=35&lng=139&openAt=tomorrow", "spots.invalid-open-at", "openAt")]
    public async Task Bad_input_gets_a_problem_with_a_stable_code_and_field_errors(string query, string code, string field)
    {
        var (status, contentType, body) = await GetAsync(query);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _));
        var problem = body.GetProperty("problems")[0];
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("ja").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("zh").GetString()));
    }

    [Fact]
    public async Task Several_bad_fields_are_all_reported()
    {
        var (_, _, body) = await GetAsync("lat=35&lng=139&k=-1&operation=x&kind=y");
        var fields = body.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["k", "kind", "operation"], fields);
    }

    [Fact]
    public async Task A_configured_spot_file_replaces_the_generated_list()
    {
        var file = Path.Combine(factory.DataFolder, "real-spots.csv");
        await File.WriteAllTextAsync(file, SpotCsv.Header + "\n" +
            "R-1,千代田区役所,municipal-counter,131016,35.694,139.7536,reserve|apply,\"Mon-Fri 08:30-17:15; Hol closed\",false\n");
        using var custom = factory.WithWebHostBuilder(b => b.UseSetting("Kangen:Spots:File", file));
        using var client = custom.CreateClient();
        var body = JsonDocument.Parse(await client.GetStringAsync("/api/v1/spots?lat=35&lng=139&k=10")).RootElement;
        var spot = Assert.Single(body.GetProperty("spots").EnumerateArray());
        Assert.Equal("R-1", spot.GetProperty("id").GetString());
        Assert.False(spot.GetProperty("generated").GetBoolean());
        Assert.Equal(file, body.GetProperty("source").GetString());
    }

    [Fact]
    public void An_imported_list_in_the_data_folder_is_found_without_configuration()
    {
        var folder = Directory.CreateTempSubdirectory("kangen-spots-store-").FullName;
        try
        {
            Assert.Null(SpotsOptions.ResolveFile(null, folder));
            var store = Path.Combine(folder, SpotsOptions.StoreFileName);
            File.WriteAllText(store, SpotCsv.Header + "\n");
            Assert.Equal(store, SpotsOptions.ResolveFile(null, folder));
            Assert.Equal(Path.GetFullPath("other.csv"), SpotsOptions.ResolveFile("other.csv", folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
