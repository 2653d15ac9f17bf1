using Kangen.Platform.Features.ReferenceData;
using Kangen.Platform.Features.Spots;

namespace Kangen.Platform.Tests.Features.Spots;

public class SpotCsvTests
{
    private const string Good = "G-1,千代田区役所,municipal-counter,131016,35.694,139.7536,reserve|apply|health-insurance,\"Mon-Fri 08:30-17:15; Hol closed\",false";

    private static (IReadOnlyList<Spot> Spots, IReadOnlyList<SpotError> Errors) Read(params string[] lines) =>
        SpotCsv.Read(new StringReader(string.Join('\n', lines)), ReferenceDataSet.Municipalities);

    [Fact]
    public void Exporting_and_importing_the_generated_list_gives_it_back_unchanged()
    {
        var spots = GeneratedSpots.Directory.Spots;
        var writer = new StringWriter();
        SpotCsv.Write(writer, spots);
        var (read, errors) = SpotCsv.Read(new StringReader(writer.ToString()), ReferenceDataSet.Municipalities);
        Assert.Empty(errors);
        Assert.Equal(spots.Count, read.Count);
        for (var i = 0; i < spots.Count; i++)
            Assert.Equal(
                (spots[i].Id, spots[i].Name, spots[i].Kind, spots[i].MunicipalityCode, spots[i].Point, spots[i].Operations, spots[i].Hours.Text, spots[i].Generated),
                (read[i].Id, read[i].Name, read[i].Kind, read[i].MunicipalityCode, read[i].Point, read[i].Operations, read[i].Hours.Text, read[i].Generated));
        var again = new StringWriter();
        SpotCsv.Write(again, read);
        Assert.Equal(writer.ToString(), again.ToString());
    }

    [Fact]
    public void A_real_list_row_is_read()
    {
        var (spots, errors) = Read(SpotCsv.Header, Good);
        Assert.Empty(errors);
        var spot = Assert.Single(spots);
        Assert.Equal(SpotKind.MunicipalCounter, spot.Kind);
        Assert.False(spot.Generated);
        Assert.Equal(SpotOperations.Reserve | SpotOperations.Apply | SpotOperations.HealthInsurance, spot.Operations);
    }

    [Fact]
    public void Every_bad_row_is_reported_with_its_line_and_nothing_is_imported()
    {
        var (spots, errors) = Read(
            SpotCsv.Header,
            Good,
            "G-2,x,post-office,131016,91,139,apply,Mon-Fri 09:00-17:00,false",           // line 3: latitude
            "G-3,x,post-office,999999,35,139,apply,Mon-Fri 09:00-17:00,false",           // line 4: municipality
            "G-4,x,castle,131016,35,139,apply,Mon-Fri 09:00-17:00,false",                // line 5: kind
            "G-5,x,post-office,131016,35,139,public-fund-account,Mon-Fri 09:00-17:00,false", // line 6
            "G-6,x,post-office,131016,35,139,apply,Mon-Fri 17:00-09:00,false",           // line 7: hours
            "G-1,x,post-office,131016,35,139,apply,Mon-Fri 09:00-17:00,false",           // line 8: duplicate id
            "G-7,x,post-office,131016,35,139,apply",                                     // line 9: too few fields
            "G-8,x,post-office,131016,35,139,apply,Mon-Fri 09:00-17:00,maybe");          // line 10
        Assert.Empty(spots);
        Assert.Equal(
            [
                (3, "spots.invalid-coordinates"), (4, "spots.unknown-municipality"), (5, "spots.invalid-kind"),
                (6, "spots.operation-not-offered"), (7, "spots.csv-invalid-hours"), (8, "spots.csv-duplicate-id"),
                (9, "spots.csv-malformed"), (10, "spots.csv-invalid-generated"),
            ],
            errors.Select(e => (e.Line!.Value, e.Code)));
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Ja + e.Zh + e.En)));
    }

    [Fact]
    public void A_file_without_the_header_is_refused()
    {
        var (spots, errors) = Read(Good);
        Assert.Empty(spots);
        Assert.Equal("spots.csv-header", Assert.Single(errors).Code);
    }

    [Fact]
    public void Quoted_fields_round_trip()
    {
        Assert.Equal(["a,b", "say \"hi\"", ""], Csv.TrySplit(Csv.Join(["a,b", "say \"hi\"", ""]))!);
        Assert.Null(Csv.TrySplit("\"open"));
    }
}
