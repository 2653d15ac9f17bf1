using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Admission;

/// <summary>
/// The waiting room's configuration: <c>Kangen:Admission</c>. <see cref="Enabled"/>, <see cref="Capacity"/> and
/// <see cref="RequestsPerSecond"/> are the starting values until an administrator saves settings (then the saved ones
/// decide, on every replica); the rest are deployment settings.
/// </summary>
public sealed class AdmissionOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Admission";

    /// <summary>Admission control on (default off: nobody ever waits).</summary>
    public bool Enabled { get; set; }

    /// <summary>People in the citizen flow at once (default 2,000).</summary>
    public int Capacity { get; set; } = 2000;

    /// <summary>Citizen-flow requests per second above which newcomers wait (0: no limit).</summary>
    public int RequestsPerSecond { get; set; }

    /// <summary>
    /// An admitted pass is valid this long after admission (minutes; default 20). Every request that also carries a
    /// signed-in session renews it, so a person in the flow is never thrown out; a pass handed to others stops working.
    /// </summary>
    public int PassMinutes { get; set; } = 20;

    /// <summary>A waiting ticket is valid this long after it was drawn (hours; default 12): a ticket kept for another day queues again.</summary>
    public int TicketHours { get; set; } = 12;

    /// <summary>
    /// How long an admitted person who has not signed in yet keeps a place in the count (seconds; default 120): the
    /// time to read the card and type the PIN.
    /// </summary>
    public int PassGraceSeconds { get; set; } = 120;

    /// <summary>
    /// How often the replicas advance the queue (milliseconds; default 250: a freed place is handed on within a quarter
    /// second, measured in docs/performance.md against 1,000; 0: only when asked, for tests).
    /// </summary>
    public int TickMilliseconds { get; set; } = 250;

    /// <summary>Citizen-flow requests served at once; more wait in line (FIFO) so other lanes keep their share.</summary>
    public int CitizenConcurrency { get; set; } = 64;
}

/// <summary>
/// Staggered opening: while now is before <see cref="Until"/>, a citizen whose birth year ends in a digit enters only
/// from that digit's opening time (a digit without one is open).
/// </summary>
public sealed record AdmissionWindows(DateTimeOffset Until, IReadOnlyDictionary<int, DateTimeOffset> Opens)
{
    /// <summary>When <paramref name="digit"/>'s window opens, or null when it is open at <paramref name="now"/>.</summary>
    public DateTimeOffset? OpensAt(int digit, DateTimeOffset now) =>
        now < Until && Opens.TryGetValue(digit, out var opens) && now < opens ? opens : null;

    /// <summary>Whether the rule is in force at <paramref name="now"/>.</summary>
    public bool InForce(DateTimeOffset now) => now < Until;

    /// <summary>The stored form: <c>{"until": iso, "opens": {"0": iso, ...}}</c>.</summary>
    public string ToJson() => new JsonObject
    {
        ["until"] = Until.ToString("O", CultureInfo.InvariantCulture),
        ["opens"] = new JsonObject(Opens.OrderBy(o => o.Key).Select(o =>
            KeyValuePair.Create(o.Key.ToString(CultureInfo.InvariantCulture), (JsonNode?)JsonValue.Create(o.Value.ToString("O", CultureInfo.InvariantCulture))))),
    }.ToJsonString();

    /// <summary>Reads the stored form; null for null or unreadable text (saved rules were checked, so only by hand).</summary>
    public static AdmissionWindows? FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
            return null;
        try
        {
            var node = JsonNode.Parse(json)!.AsObject();
            var until = DateTimeOffset.Parse(node["until"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            var opens = new Dictionary<int, DateTimeOffset>();
            if (node["opens"] is JsonObject map)
                foreach (var (key, value) in map)
                    opens[int.Parse(key, CultureInfo.InvariantCulture)] = DateTimeOffset.Parse(value!.GetValue<string>(), CultureInfo.InvariantCulture);
            return new AdmissionWindows(until, opens);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException or OverflowException)
        {
            return null;
        }
    }
}

/// <summary>The settings in force: capacity, rate and the staggered windows.</summary>
public sealed record AdmissionSettings(bool Enabled, int Capacity, int RequestsPerSecond, AdmissionWindows? Windows)
{
    /// <summary>Largest capacity accepted (people).</summary>
    public const int MaxCapacity = 10_000_000;

    /// <summary>Largest request rate accepted (per second).</summary>
    public const int MaxRequestsPerSecond = 10_000_000;

    /// <summary>Every problem of these settings (field-level); empty when they can be saved.</summary>
    public IReadOnlyList<PlatformProblem> Problems()
    {
        var problems = new List<PlatformProblem>();
        if (Capacity is < 1 or > MaxCapacity)
            problems.Add(AdmissionProblems.Invalid("capacity", $"capacity must be between 1 and {MaxCapacity}"));
        if (RequestsPerSecond is < 0 or > MaxRequestsPerSecond)
            problems.Add(AdmissionProblems.Invalid("requestsPerSecond", $"requestsPerSecond must be between 0 (no limit) and {MaxRequestsPerSecond}"));
        if (Windows is not null)
        {
            foreach (var digit in Windows.Opens.Keys.Where(d => d is < 0 or > 9))
                problems.Add(AdmissionProblems.Invalid("windows.opens", $"'{digit}' is not a digit 0-9"));
            foreach (var (digit, opens) in Windows.Opens.Where(o => o.Value >= Windows.Until))
                problems.Add(AdmissionProblems.Invalid($"windows.opens.{digit}", $"digit {digit} opens at or after the rule ends"));
        }
        return problems;
    }
}

/// <summary>The states of a ticket.</summary>
public static class AdmissionStates
{
    /// <summary>In the flow: go on.</summary>
    public const string Admitted = "admitted";

    /// <summary>In the queue.</summary>
    public const string Waiting = "waiting";

    /// <summary>The citizen's staggered window has not opened yet.</summary>
    public const string WindowClosed = "window-closed";

    /// <summary>Staggered windows are in force and the citizen has not said their birth year's last digit.</summary>
    public const string DigitRequired = "digit-required";

    /// <summary>The queue could not be reached (the database did not answer); ask again shortly.</summary>
    public const string Unavailable = "unavailable";
}

/// <summary>A ticket's state as the citizen sees it.</summary>
/// <param name="State">One of <see cref="AdmissionStates"/>.</param>
/// <param name="Number">The ticket's number (0: no ticket, e.g. admission off or window closed).</param>
/// <param name="Position">The place in the queue: 1 is next (0 when admitted); people ahead are one fewer.</param>
/// <param name="EstimatedWaitSeconds">Estimated wait; null when it cannot be estimated yet (nobody admitted lately).</param>
/// <param name="OpensAt">When the citizen's window opens (window-closed only).</param>
public sealed record AdmissionStatus(string State, long Number, long Position, int? EstimatedWaitSeconds, DateTimeOffset? OpensAt);

/// <summary>The waiting room now, across replicas.</summary>
public sealed record AdmissionLive(long QueueLength, int InFlow, double AdmittedPerSecond, double RequestsPerSecond, int? OldestWaitSeconds, long Issued, long Admitted);

/// <summary>One advance of the queue, for the dashboard's history.</summary>
public sealed record AdmissionTickView(DateTimeOffset At, long QueueLength, int InFlow, int Admitted, double RequestsPerSecond);

/// <summary>The codes of admission control (<c>admission.*</c>).</summary>
public static class AdmissionProblems
{
    /// <summary>The citizen must wait in the queue (an answer, not a failure: send the ticket back later).</summary>
    public static readonly PlatformProblem Queued = new("admission.queued", StatusCodes.Status429TooManyRequests,
        "ただいま大変混み合っています。順番にご案内しますので、このままお待ちください。", "当前访问人数众多，将按顺序为您服务，请稍候。",
        "Many people are applying right now; you are in the queue and will be let in in order.");

    /// <summary>The citizen's staggered window has not opened yet.</summary>
    public static readonly PlatformProblem WindowClosed = new("admission.window-closed", StatusCodes.Status403Forbidden,
        "生まれ年の末尾の数字ごとの受付時間になっていません。", "尚未到您出生年份末位数字对应的受理时间。",
        "Your birth year's window has not opened yet.");

    /// <summary>Windows are in force and the request did not say the birth year's last digit.</summary>
    public static readonly PlatformProblem WindowDigitRequired = new("admission.window-digit-required", StatusCodes.Status400BadRequest,
        "現在は生まれ年の末尾の数字ごとに受け付けています。末尾の数字（0～9）を指定してください。", "目前按出生年份末位数字分时受理，请指定末位数字（0～9）。",
        "Applications are staggered by the last digit of the birth year; state it (0-9).", null, AdmissionHttp.WindowDigitHeader);

    /// <summary>The queue's database did not answer: nothing was drawn; ask again after <c>Retry-After</c>.</summary>
    public static readonly PlatformProblem Unavailable = new("admission.unavailable", StatusCodes.Status503ServiceUnavailable,
        "ただいま順番待ちの受付ができません。少し待ってからもう一度お試しください。", "暂时无法排队，请稍后再试。",
        "The queue cannot be reached right now; try again in a few seconds.");

    /// <summary>The request carries no valid ticket.</summary>
    public static readonly PlatformProblem NoTicket = new("admission.no-ticket", StatusCodes.Status400BadRequest,
        "整理券がないか、無効です。", "没有排队号码或号码无效。", "No valid queue ticket; draw one with POST /api/v1/admission.", null, AdmissionHttp.Header);

    /// <summary>A settings field is out of range.</summary>
    public static PlatformProblem Invalid(string field, string detail) => new("admission.settings-invalid", StatusCodes.Status400BadRequest,
        "設定値が正しくありません。", "设置值不正确。", "A setting is out of range.", detail, field);
}
