namespace Kangen.Platform.Features.Spots;

/// <summary>The kinds of procedure spot (手続きスポット) with a support terminal or counter.</summary>
public enum SpotKind
{
    /// <summary>A municipal office counter (市区町村窓口).</summary>
    MunicipalCounter,
    /// <summary>A post office (郵便局).</summary>
    PostOffice,
    /// <summary>A convenience-store multi-copy machine (コンビニのマルチコピー機).</summary>
    ConvenienceStore,
    /// <summary>A bank ATM (銀行ATM).</summary>
    BankAtm,
    /// <summary>A mobile carrier shop (携帯ショップ).</summary>
    CarrierShop,
    /// <summary>A supermarket (スーパー).</summary>
    Supermarket,
    /// <summary>An electronics store (家電量販店).</summary>
    ElectronicsStore,
}

/// <summary>What a citizen can do at a spot. A public-fund account is never registered at a spot.</summary>
[Flags]
public enum SpotOperations
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Reserve a My Key ID (マイキーIDの設定).</summary>
    Reserve = 1,
    /// <summary>Apply for points (ポイント申込).</summary>
    Apply = 2,
    /// <summary>Register the card for health insurance (健康保険証利用申込).</summary>
    HealthInsurance = 4,
    /// <summary>Register a public-fund receipt account (公金受取口座登録): online only, never at a spot.</summary>
    PublicFundAccount = 8,
}

/// <summary>The stable slugs of kinds and operations used in JSON, CSV and the CLI.</summary>
public static class SpotSlugs
{
    private static readonly (SpotKind Kind, string Slug, string Ja)[] Kinds =
    [
        (SpotKind.MunicipalCounter, "municipal-counter", "市区町村窓口"),
        (SpotKind.PostOffice, "post-office", "郵便局"),
        (SpotKind.ConvenienceStore, "convenience-store", "コンビニ マルチコピー機"),
        (SpotKind.BankAtm, "bank-atm", "銀行ATM"),
        (SpotKind.CarrierShop, "carrier-shop", "携帯ショップ"),
        (SpotKind.Supermarket, "supermarket", "スーパー"),
        (SpotKind.ElectronicsStore, "electronics-store", "家電量販店"),
    ];

    private static readonly (SpotOperations Operation, string Slug)[] Operations =
    [
        (SpotOperations.Reserve, "reserve"),
        (SpotOperations.Apply, "apply"),
        (SpotOperations.HealthInsurance, "health-insurance"),
        (SpotOperations.PublicFundAccount, "public-fund-account"),
    ];

    /// <summary>Every kind slug, in enum order.</summary>
    public static IReadOnlyList<string> KindSlugs { get; } = [.. Kinds.Select(k => k.Slug)];

    /// <summary>Every operation slug.</summary>
    public static IReadOnlyList<string> OperationSlugs { get; } = [.. Operations.Select(o => o.Slug)];

    /// <summary>The slug of a kind (<c>post-office</c>).</summary>
    public static string Slug(this SpotKind kind) => Kinds[(int)kind].Slug;

    /// <summary>The Japanese label of a kind.</summary>
    public static string Japanese(this SpotKind kind) => Kinds[(int)kind].Ja;

    /// <summary>Parses a kind slug; null when unknown.</summary>
    public static SpotKind? ParseKind(string? slug)
    {
        foreach (var k in Kinds)
            if (string.Equals(k.Slug, slug?.Trim(), StringComparison.OrdinalIgnoreCase))
                return k.Kind;
        return null;
    }

    /// <summary>Parses one operation slug; null when unknown.</summary>
    public static SpotOperations? ParseOperation(string? slug)
    {
        foreach (var o in Operations)
            if (string.Equals(o.Slug, slug?.Trim(), StringComparison.OrdinalIgnoreCase))
                return o.Operation;
        return null;
    }

    /// <summary>The slugs of the operations in a set, in fixed order.</summary>
    public static IReadOnlyList<string> Slugs(this SpotOperations operations) =>
        [.. Operations.Where(o => operations.HasFlag(o.Operation)).Select(o => o.Slug)];
}
