namespace Kangen.Platform.Features.Spots;

/// <summary>
/// An expected failure of a spot search or import: a stable code, the field it concerns, the message in
/// Japanese, Chinese and English, and the values involved (English, for support staff).
/// </summary>
public sealed record SpotError(string Code, string Field, string Ja, string Zh, string En, string? Detail = null)
{
    /// <summary>For CSV imports: the 1-based line the error is on.</summary>
    public int? Line { get; init; }

    /// <summary>"line N: field: English message (detail)".</summary>
    public override string ToString() =>
        (Line is { } l ? $"line {l}: " : "") + Field + ": " + En + (Detail is null ? "" : $" ({Detail})");

    internal static SpotError InvalidCoordinates(string field, string? detail = null) => new(
        "spots.invalid-coordinates", field,
        "緯度・経度が正しくありません（緯度 -90〜90、経度 -180〜180 の数値）。",
        "经纬度无效（纬度 -90~90，经度 -180~180 的数字）。",
        "Latitude and longitude must be numbers, latitude -90..90 and longitude -180..180.", detail);

    internal static SpotError OriginRequired(string detail) => new(
        "spots.origin-required", "origin",
        "検索の起点として、緯度・経度、市区町村コード、郵便番号のいずれか一つを指定してください。",
        "请指定一个搜索起点：经纬度、市区町村代码或邮政编码中的一个。",
        "Give exactly one origin: lat and lng, a municipality code, or a postal code.", detail);

    internal static SpotError UnknownMunicipality(string field, string? value) => new(
        "spots.unknown-municipality", field,
        "市区町村コードが見つかりません（6桁の全国地方公共団体コード、または検査数字なしの5桁）。",
        "找不到该市区町村代码（6位全国地方公共团体代码，或不含校验位的5位）。",
        "Unknown municipality code (6-digit local government code with check digit, or its first 5 digits).", $"'{value}'");

    internal static SpotError InvalidPostalCode(string? value) => new(
        "spots.invalid-postal-code", "postalCode",
        "郵便番号は7桁の数字で指定してください（例: 100-0001）。",
        "邮政编码必须是7位数字（例如 100-0001）。",
        "A postal code is 7 digits (e.g. 100-0001).", $"'{value}'");

    internal static SpotError UnknownPostalCode(string value) => new(
        "spots.unknown-postal-code", "postalCode",
        "この郵便番号は登録されていません。",
        "该邮政编码不存在。",
        "This postal code is not in the postal code list.", $"'{value}'");

    internal static SpotError InvalidOperation(string field, string? value) => new(
        "spots.invalid-operation", field,
        "手続きの種類が正しくありません（reserve, apply, health-insurance）。",
        "手续类型无效（reserve、apply、health-insurance）。",
        "Unknown operation (reserve, apply, health-insurance).", $"'{value}'");

    internal static SpotError OperationNotOffered(string field) => new(
        "spots.operation-not-offered", field,
        "公金受取口座の登録は手続きスポットでは受け付けていません。マイナポータルから登録してください。",
        "手续点不受理公款收款账户登记，请通过 Mynaportal 登记。",
        "Public-fund accounts are never registered at a procedure spot; register online through Mynaportal.");

    internal static SpotError InvalidKind(string field, string? value) => new(
        "spots.invalid-kind", field,
        "スポットの種類が正しくありません。",
        "手续点类型无效。",
        "Unknown spot kind (" + string.Join(", ", SpotSlugs.KindSlugs) + ").", $"'{value}'");

    internal static SpotError InvalidK(string? value) => new(
        "spots.invalid-k", "k",
        $"件数 k は 1〜{SpotDirectory.MaxK} の整数で指定してください。",
        $"数量 k 必须是 1~{SpotDirectory.MaxK} 的整数。",
        $"k must be a whole number from 1 to {SpotDirectory.MaxK}.", $"'{value}'");

    internal static SpotError InvalidOpenAt(string? value) => new(
        "spots.invalid-open-at", "openAt",
        "日時は時差付きの ISO 8601 形式で指定してください（例: 2022-07-01T10:00+09:00）。",
        "日期时间必须是带时区偏移的 ISO 8601 格式（例如 2022-07-01T10:00+09:00）。",
        "openAt must be an ISO 8601 instant with an offset (e.g. 2022-07-01T10:00+09:00).", $"'{value}'");

    internal static SpotError Csv(int line, string code, string field, string ja, string zh, string en, string? detail = null) =>
        new(code, field, ja, zh, en, detail) { Line = line };
}
