using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Kangen.Platform.Features.ReferenceData;

/// <summary>
/// The committed reference data, each table loaded once on first use and shared by the process
/// (the files are immutable, embedded in this assembly).
/// </summary>
public static class ReferenceDataSet
{
    private static readonly Lazy<MunicipalityDirectory> LazyMunicipalities = new(MunicipalityDirectory.Load);
    private static readonly Lazy<PostalCodeDirectory> LazyPostalCodes = new(PostalCodeDirectory.Load);
    private static readonly Lazy<HolidayCalendar> LazyHolidays = new(HolidayCalendar.Load);
    private static readonly Lazy<BankCodes> LazyBanks = new(BankCodes.Load);

    /// <summary>Municipalities, wards and prefectures with points.</summary>
    public static MunicipalityDirectory Municipalities => LazyMunicipalities.Value;

    /// <summary>Postal codes to municipalities.</summary>
    public static PostalCodeDirectory PostalCodes => LazyPostalCodes.Value;

    /// <summary>Japan's public holidays.</summary>
    public static HolidayCalendar Holidays => LazyHolidays.Value;

    /// <summary>Zengin bank and branch codes.</summary>
    public static BankCodes Banks => LazyBanks.Value;

    /// <summary>Registers the reference tables as singletons (loaded on first resolve).</summary>
    public static IHostApplicationBuilder AddReferenceData(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(_ => Municipalities);
        builder.Services.AddSingleton(_ => PostalCodes);
        builder.Services.AddSingleton(_ => Holidays);
        builder.Services.AddSingleton(_ => Banks);
        return builder;
    }
}
