using System.Buffers.Binary;
using System.Diagnostics.Metrics;
using Kangen.Platform.Features.Audit;
using Kangen.Platform.Features.Identity;
using Kangen.Platform.Observability;
using Kangen.Platform.Problems;
using Kangen.Platform.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Kangen.Platform.Features.Admission;

/// <summary>
/// The waiting room. Every newcomer to the citizen flow draws a numbered ticket from one counter in the database
/// (<c>admission_state</c>), so tickets are first come, first served across replicas; a ticket is admitted once the
/// shared watermark reaches its number. The watermark is advanced every few hundred milliseconds by whichever replica's turn it
/// is, by as many people as the flow has room for (capacity minus open citizen sessions and fresh passes, and nobody
/// while the citizen requests per second are over the limit). When nobody waits and there is room, a newcomer is
/// admitted at once by the same statement that numbers the ticket. Tickets are tokens signed with the platform's
/// Data Protection keys (shared by replicas), held by the citizen (cookie or header): the database holds two counters,
/// never who holds which ticket.
/// </summary>
public sealed class AdmissionControl
{
    /// <summary>The cookie holding a page visitor's ticket or pass.</summary>
    public const string CookieName = "kangen-admission";

    private const int Version = 2;

    // Version, number, drawn at, admitted at (Unix ms, 0: waiting), digit (255: none).
    private const int PayloadLength = 1 + 8 * 3 + 1;
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan History = TimeSpan.FromDays(1);

    private readonly IServiceScopeFactory _scopes;
    private readonly WriteGate _gate;
    private readonly TimeSpan _sessionLifetime;
    private readonly TimeProvider _time;
    private readonly AdmissionOptions _options;
    private readonly IDataProtector _protector;
    private readonly ILogger<AdmissionControl> _log;
    private readonly Counter<long> _admittedCounter;
    private readonly Histogram<double> _waitHistogram;
    private long _requests;
    private volatile Snapshot _snapshot;

    /// <summary>Creates the waiting room; settings come from configuration until the first <see cref="RefreshAsync"/>.</summary>
    public AdmissionControl(IServiceScopeFactory scopes, WriteGate gate, TimeProvider time, IOptions<AdmissionOptions> options,
        IOptions<Kangen.Platform.Features.Identity.SessionOptions> sessions, IDataProtectionProvider protection, IMeterFactory meters, ILogger<AdmissionControl> log)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(protection);
        ArgumentNullException.ThrowIfNull(meters);
        _scopes = scopes;
        _gate = gate;
        _sessionLifetime = TimeSpan.FromMinutes(sessions.Value.LifetimeMinutes);
        _time = time;
        _options = options.Value;
        _protector = protection.CreateProtector("Kangen.Admission.v1");
        _log = log;
        _snapshot = new Snapshot(FromOptions(_options), 0, 0, 0, 0);
        var meter = meters.Create(PlatformMetrics.MeterName);
        _admittedCounter = meter.CreateCounter<long>("kangen.admission.admitted", description: "People admitted into the citizen flow by this replica (at once or from the queue).");
        _waitHistogram = meter.CreateHistogram<double>("kangen.admission.wait", unit: "s", description: "Time from drawing a ticket to being admitted.");
        meter.CreateObservableGauge("kangen.admission.queue_length", () => _snapshot.Issued - _snapshot.Admitted, description: "Tickets waiting in the queue.");
        meter.CreateObservableGauge("kangen.admission.in_flow", () => _snapshot.InFlow, description: "People counted in the citizen flow at the last advance.");
    }

    /// <summary>This replica's current settings (refreshed at every advance).</summary>
    public AdmissionSettings Settings => _snapshot.Settings;

    /// <summary>The deployment settings.</summary>
    public AdmissionOptions Options => _options;

    /// <summary>The staggered windows rule when it is in force now, else null.</summary>
    public AdmissionWindows? WindowsInForce =>
        _snapshot.Settings is { Enabled: true, Windows: { } windows } && windows.InForce(_time.GetUtcNow()) ? windows : null;

    /// <summary>The birth year's last digit a token remembers (said on the waiting page or to the API), if any.</summary>
    public int? DigitOf(string? token) => Read(token)?.Digit;

    /// <summary>Counts one citizen-flow request (for the measured request rate).</summary>
    public void CountRequest() => Interlocked.Increment(ref _requests);

    /// <summary>
    /// The state of <paramref name="token"/> without drawing: null when it is not a valid ticket or pass (none, forged,
    /// expired, or a window that has opened since and needs a ticket now). The returned token is the one to keep
    /// (a ticket that has just been admitted becomes a pass).
    /// </summary>
    public (AdmissionStatus Status, string Token)? Check(string? token) => Check(Read(token), token);

    private (AdmissionStatus Status, string Token)? Check(Ticket? read, string? token)
    {
        if (read is not { } ticket)
            return null;
        var now = _time.GetUtcNow();
        var snapshot = _snapshot;
        var nowMs = now.ToUnixTimeMilliseconds();
        if (ticket.Number == 0)
        {
            // A window-closed token remembers only the citizen's digit.
            if (ticket.Digit is { } digit && WindowsInForce?.OpensAt(digit, now) is { } opens)
                return (new AdmissionStatus(AdmissionStates.WindowClosed, 0, 0, null, opens), token!);
            if (!snapshot.Settings.Enabled)
                return Admit(ticket, nowMs, counted: false);
            return null;
        }
        if (ticket.AdmittedMs > 0)
            return nowMs - ticket.AdmittedMs > (long)_options.PassMinutes * 60_000
                ? null
                : (new AdmissionStatus(AdmissionStates.Admitted, ticket.Number, 0, 0, null), token!);
        if (nowMs - ticket.IssuedMs > (long)_options.TicketHours * 3_600_000)
            return null;
        if (!snapshot.Settings.Enabled || ticket.Number <= snapshot.Admitted)
        {
            _waitHistogram.Record(Math.Max(0, nowMs - ticket.IssuedMs) / 1000.0);
            return Admit(ticket, nowMs, counted: true);
        }
        var position = ticket.Number - snapshot.Admitted;
        return (new AdmissionStatus(AdmissionStates.Waiting, ticket.Number, position, Estimate(position, snapshot), null), token!);
    }

    /// <summary>
    /// For a request that carries a signed-in session (someone in the flow): a fresh pass keeping the ticket's number,
    /// when <paramref name="token"/> is none, not a pass, or a pass older than half a minute; else null (keep it).
    /// </summary>
    public string? Renew(string? token)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var ticket = Read(token);
        if (ticket is { AdmittedMs: > 0 } pass && nowMs - pass.AdmittedMs is >= 0 and < 30_000)
            return null;
        return Write(new Ticket(ticket?.Number ?? 0, ticket?.IssuedMs ?? nowMs, nowMs, ticket?.Digit));
    }

    /// <summary>
    /// Draws a ticket for a newcomer (or, for a valid <paramref name="token"/>, reports its state without drawing).
    /// <paramref name="digit"/> is the birth year's last digit, needed while staggered windows are in force (a token
    /// that said it before is enough; without one the state is <see cref="AdmissionStates.DigitRequired"/>). When the
    /// database does not answer the state is <see cref="AdmissionStates.Unavailable"/> and nothing was drawn. Returns
    /// the state and the token to keep.
    /// </summary>
    public async Task<(AdmissionStatus Status, string Token)> DrawAsync(string? token, int? digit, CancellationToken cancellationToken)
    {
        var read = Read(token);
        if (Check(read, token) is { } current)
            return current;
        digit ??= read?.Digit;
        if (digit is < 0 or > 9)
            throw new ArgumentOutOfRangeException(nameof(digit), digit, "a digit 0-9");
        var now = _time.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        if (!_snapshot.Settings.Enabled)
            return Admit(new Ticket(0, nowMs, 0, digit), nowMs, counted: false);
        if (WindowsInForce is { } windows)
        {
            if (digit is null)
                return (new AdmissionStatus(AdmissionStates.DigitRequired, 0, 0, null, null), token ?? "");
            if (windows.OpensAt(digit.Value, now) is { } opens)
                return (new AdmissionStatus(AdmissionStates.WindowClosed, 0, 0, null, opens), Write(new Ticket(0, nowMs, 0, digit)));
        }
        long number, admitted;
        try
        {
            (number, admitted) = await TakeNumberAsync(cancellationToken);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or TimeoutException)
        {
            // The database is down or saturated: say so (503 with Retry-After) rather than fail the page.
            _log.LogWarning(e, "A queue ticket could not be drawn.");
            return (new AdmissionStatus(AdmissionStates.Unavailable, 0, 0, null, null), token ?? "");
        }
        var ticket = new Ticket(number, nowMs, 0, digit);
        if (number <= admitted)
            return Admit(ticket, nowMs, counted: true);
        var snapshot = _snapshot;
        var position = number - Math.Max(admitted, snapshot.Admitted);
        return (new AdmissionStatus(AdmissionStates.Waiting, number, position, Estimate(position, snapshot), null), Write(ticket));
    }

    /// <summary>Writes the token to the page visitor's cookie (HttpOnly, SameSite=Lax so a link from elsewhere keeps the place).</summary>
    public void WriteCookie(HttpContext http, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Cookies.Append(CookieName, token, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = "/",
            IsEssential = true,
            MaxAge = TimeSpan.FromDays(1),
        });
    }

    private (AdmissionStatus, string) Admit(Ticket ticket, long nowMs, bool counted)
    {
        if (counted)
            _admittedCounter.Add(1);
        return (new AdmissionStatus(AdmissionStates.Admitted, ticket.Number, 0, 0, null), Write(ticket with { AdmittedMs = nowMs }));
    }

    private static int? Estimate(long position, Snapshot snapshot) =>
        snapshot.AdmittedPerSecond > 0 ? (int)Math.Min(int.MaxValue, Math.Ceiling(position / snapshot.AdmittedPerSecond)) : null;

    /// <summary>One statement numbers the ticket and, when nobody waits and there is room, admits it.</summary>
    private async Task<(long Number, long Admitted)> TakeNumberAsync(CancellationToken cancellationToken)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        using (await _gate.EnterAsync(cancellationToken))
        {
            var connection = db.Database.GetDbConnection();
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            // Every SET expression reads the row as it was, so "nobody waits" is issued = admitted before the draw.
            command.CommandText = """
                UPDATE admission_state SET
                    issued = issued + 1,
                    admitted = CASE WHEN issued = admitted AND budget > 0 THEN admitted + 1 ELSE admitted END,
                    direct = CASE WHEN issued = admitted AND budget > 0 THEN direct + 1 ELSE direct END,
                    budget = CASE WHEN issued = admitted AND budget > 0 THEN budget - 1 ELSE budget END
                WHERE id = 1
                RETURNING issued, admitted
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
                throw new InvalidOperationException("admission_state has no row 1: the migration seeds it.");
            return (reader.GetInt64(0), reader.GetInt64(1));
        }
    }

    /// <summary>
    /// Flushes this replica's request count and, when the interval has passed since the last advance by any replica (or
    /// <paramref name="force"/>), advances the queue; then refreshes this replica's view. Returns whether it advanced.
    /// </summary>
    public async Task<bool> AdvanceAsync(bool force, CancellationToken cancellationToken)
    {
        using var scope = _scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<KangenDbContext>();
        var requests = Interlocked.Exchange(ref _requests, 0);
        var advanced = false;
        try
        {
            // Counted before the claim, so the row (and SQLite's write gate) is held only for the arithmetic.
            var counts = await CountFlowAsync(db, cancellationToken);
            using (await _gate.EnterAsync(cancellationToken))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var previousMs = await db.AdmissionState.Where(a => a.Id == 1).Select(a => a.AdvancedAtMs).SingleAsync(cancellationToken);
                // Pacing is real time on purpose (tests run the platform on a fake clock); the counts use the platform's.
                var realMs = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
                var interval = Math.Max(1, _options.TickMilliseconds);
                // A replica whose clock ran ahead (or a clock stepped back) must not stop the queue: a mark in the
                // future is due too.
                var due = force || realMs - previousMs >= interval * 9L / 10 || previousMs - realMs > interval;
                // Claiming with the value read lets one replica advance per interval (and locks the row on PostgreSQL).
                var claimed = due && await db.AdmissionState.Where(a => a.Id == 1 && a.AdvancedAtMs == previousMs)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.AdvancedAtMs, realMs).SetProperty(a => a.Requests, a => a.Requests + requests), cancellationToken) == 1;
                if (claimed)
                {
                    var seconds = previousMs == 0 || realMs <= previousMs ? interval / 1000.0 : (realMs - previousMs) / 1000.0;
                    await AdvanceClaimedAsync(db, seconds, counts, cancellationToken);
                    advanced = true;
                }
                else if (requests > 0)
                    await db.AdmissionState.Where(a => a.Id == 1).ExecuteUpdateAsync(s => s.SetProperty(a => a.Requests, a => a.Requests + requests), cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                requests = 0;
            }
        }
        finally
        {
            // A failed flush is counted again at the next advance.
            if (requests > 0)
                Interlocked.Add(ref _requests, requests);
        }
        await RefreshAsync(db, cancellationToken);
        return advanced;
    }

    /// <summary>The advance itself, inside the claiming transaction (the row is this replica's until commit).</summary>
    private async Task AdvanceClaimedAsync(KangenDbContext db, double seconds, FlowCounts counts, CancellationToken cancellationToken)
    {
        var state = await db.AdmissionState.AsNoTracking().SingleAsync(a => a.Id == 1, cancellationToken);
        var settings = Effective(state, _options);
        var now = _time.GetUtcNow();
        // Admitted lately and not signed in yet: the advances' admissions (and those at once since the last one) less
        // the sessions opened in the same grace period.
        var inFlow = counts.Open + Math.Max(0, counts.AdmittedLately + state.Direct - counts.OpenedLately);
        var rate = state.Requests / seconds;
        var room = settings.Capacity - inFlow;
        if (!settings.Enabled)
            room = 0;
        else if (settings.RequestsPerSecond > 0 && rate >= settings.RequestsPerSecond)
            room = 0;
        room = Math.Max(0, room);
        var waiting = state.Issued - state.Admitted;
        var moved = (int)Math.Min(waiting, room);
        var admitted = state.Admitted + moved;
        // Room left after the queue is served admits newcomers at once until the next advance.
        var budget = settings.Enabled ? room - moved : 0;
        await db.AdmissionState.Where(a => a.Id == 1).ExecuteUpdateAsync(s => s
            .SetProperty(a => a.Admitted, admitted)
            .SetProperty(a => a.Budget, budget)
            .SetProperty(a => a.Direct, 0)
            .SetProperty(a => a.Requests, 0L), cancellationToken);
        db.AdmissionTicks.Add(new AdmissionTick
        {
            At = now,
            Seconds = seconds,
            QueueLength = state.Issued - admitted,
            InFlow = inFlow,
            AdmittedCount = moved + state.Direct,
            RequestsPerSecond = rate,
            AdmittedThrough = admitted,
            IssuedThrough = state.Issued,
        });
        // One save inside the claiming transaction: a savepoint around it (EF's default) could undo nothing the
        // transaction's own rollback would not, and would cost two statements every tick.
        db.Database.AutoSavepointsEnabled = false;
        await db.SaveChangesAsync(cancellationToken);
        if (state.Issued % 64 == 0 || now.Second == 0)
            await db.AdmissionTicks.Where(t => t.At < now - History).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>
    /// What the in-flow count is made of: open citizen sessions (every channel: a counter's sessions take places too,
    /// and the channel is the client's word), sessions opened within the grace period, and people admitted in it.
    /// </summary>
    private async Task<FlowCounts> CountFlowAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var since = now - TimeSpan.FromSeconds(_options.PassGraceSeconds);
        // Sessions live a fixed time, so "opened since" is "expires after since + lifetime" (indexed).
        var openedAfter = since + _sessionLifetime;
        var open = await db.Sessions.CountAsync(s => s.ExpiresAt > now && s.EndedAt == null, cancellationToken);
        var opened = await db.Sessions.CountAsync(s => s.ExpiresAt > openedAfter, cancellationToken);
        var admitted = await db.AdmissionTicks.Where(t => t.At > since).SumAsync(t => (int?)t.AdmittedCount, cancellationToken) ?? 0;
        return new FlowCounts(open, opened, admitted);
    }

    private sealed record FlowCounts(int Open, int OpenedLately, int AdmittedLately);

    /// <summary>Reads the shared state into this replica's view (a scope of its own).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        using var scope = _scopes.CreateScope();
        await RefreshAsync(scope.ServiceProvider.GetRequiredService<KangenDbContext>(), cancellationToken);
    }

    /// <summary>Reads the shared state into this replica's view.</summary>
    public async Task RefreshAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var state = await db.AdmissionState.AsNoTracking().SingleAsync(a => a.Id == 1, cancellationToken);
        var since = _time.GetUtcNow() - RateWindow;
        var recent = await db.AdmissionTicks.AsNoTracking().Where(t => t.At > since).OrderByDescending(t => t.Id).Take(120)
            .Select(t => new { t.Seconds, t.AdmittedCount, t.InFlow }).ToListAsync(cancellationToken);
        _snapshot = new Snapshot(Effective(state, _options), state.Issued, state.Admitted,
            PerSecond(recent.Select(t => (t.Seconds, t.AdmittedCount))), recent.FirstOrDefault()?.InFlow ?? 0);
    }

    /// <summary>
    /// The waiting room now and its history over <paramref name="span"/>, one entry per minute, oldest first (queue length
    /// and people in the flow: the minute's largest; admitted: the minute's sum; requests per second: its mean).
    /// </summary>
    public async Task<(AdmissionLive Live, IReadOnlyList<AdmissionTickView> History)> LiveAsync(KangenDbContext db, TimeSpan span, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = _time.GetUtcNow();
        var since = now - span;
        var state = await db.AdmissionState.AsNoTracking().SingleAsync(a => a.Id == 1, cancellationToken);
        var ticks = await db.AdmissionTicks.AsNoTracking().Where(t => t.At > since).OrderBy(t => t.Id)
            .Select(t => new { t.At, t.Seconds, t.QueueLength, t.InFlow, t.AdmittedCount, t.RequestsPerSecond }).ToListAsync(cancellationToken);
        var last = ticks.LastOrDefault();
        int? oldest = null;
        if (state.Issued > state.Admitted)
        {
            // The oldest waiting ticket (admitted + 1) was drawn after the last advance that had not seen it yet; read
            // backwards from the newest advance, that is a short walk (as long as the oldest wait).
            var before = await db.AdmissionTicks.AsNoTracking().Where(t => t.IssuedThrough <= state.Admitted).OrderByDescending(t => t.Id)
                .Select(t => (DateTimeOffset?)t.At).FirstOrDefaultAsync(cancellationToken);
            oldest = before is { } at ? (int)Math.Max(0, (now - at).TotalSeconds) : null;
        }
        var admittedPerSecond = PerSecond(ticks.Where(t => t.At > now - RateWindow).Select(t => (t.Seconds, t.AdmittedCount)));
        var live = new AdmissionLive(state.Issued - state.Admitted, last?.InFlow ?? 0, admittedPerSecond, last?.RequestsPerSecond ?? 0, oldest,
            state.Issued, state.Admitted);
        var perMinute = ticks
            .GroupBy(t => new DateTimeOffset(t.At.UtcDateTime.Ticks - t.At.UtcDateTime.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero))
            .Select(g => new AdmissionTickView(g.Key, g.Max(t => t.QueueLength), g.Max(t => t.InFlow), g.Sum(t => t.AdmittedCount), g.Average(t => t.RequestsPerSecond)))
            .ToList();
        return (live, perMinute);
    }

    /// <summary>
    /// Saves the settings (checked first: field-level problems and nothing saved), audited as
    /// <c>admission.settings-saved</c>; in force on this replica at once and on the others at their next advance.
    /// </summary>
    public async Task<PlatformProblem?> SaveSettingsAsync(KangenDbContext db, AdmissionSettings settings, string staffId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Problems() is [var first, ..])
            return first;
        var now = _time.GetUtcNow();
        using (await _gate.EnterAsync(cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var windows = settings.Windows?.ToJson();
            await db.AdmissionState.Where(a => a.Id == 1).ExecuteUpdateAsync(s => s
                .SetProperty(a => a.Saved, true)
                .SetProperty(a => a.Enabled, settings.Enabled)
                .SetProperty(a => a.Capacity, settings.Capacity)
                .SetProperty(a => a.RequestsPerSecond, settings.RequestsPerSecond)
                .SetProperty(a => a.Windows, windows)
                // Room measured under the old settings is void; the next advance measures it under the new ones.
                .SetProperty(a => a.Budget, 0)
                // Switched off, everyone waiting is let in (Check admits them); the queue must not come back full of
                // people long gone when it is switched on again.
                .SetProperty(a => a.Admitted, a => settings.Enabled ? a.Admitted : a.Issued)
                .SetProperty(a => a.UpdatedAt, now)
                .SetProperty(a => a.UpdatedBy, staffId), cancellationToken);
            await AuditIntent.AppendAllAsync(db, now, [new AuditIntent("staff:" + staffId, "admission.settings-saved", "admission",
                new { settings.Enabled, settings.Capacity, settings.RequestsPerSecond, windows })], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        _log.LogInformation("Admission settings saved by {Staff}: enabled {Enabled}, capacity {Capacity}, {Rate} requests/s, windows {Windows}.",
            staffId, settings.Enabled, settings.Capacity, settings.RequestsPerSecond, settings.Windows is null ? "none" : "set");
        await RefreshAsync(db, cancellationToken);
        return null;
    }

    /// <summary>People admitted per second over some advances: their admissions over their seconds.</summary>
    private static double PerSecond(IEnumerable<(double Seconds, int Admitted)> advances)
    {
        var (seconds, admitted) = advances.Aggregate((0.0, 0L), (sum, a) => (sum.Item1 + a.Seconds, sum.Item2 + a.Admitted));
        return seconds > 0 ? admitted / seconds : 0;
    }

    private static AdmissionSettings Effective(AdmissionState state, AdmissionOptions options) => state.Saved
        ? new AdmissionSettings(state.Enabled, state.Capacity, state.RequestsPerSecond, AdmissionWindows.FromJson(state.Windows))
        : FromOptions(options);

    private static AdmissionSettings FromOptions(AdmissionOptions options) =>
        new(options.Enabled, options.Capacity, options.RequestsPerSecond, null);

    private string Write(Ticket ticket)
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        payload[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(payload[1..], ticket.Number);
        BinaryPrimitives.WriteInt64BigEndian(payload[9..], ticket.IssuedMs);
        BinaryPrimitives.WriteInt64BigEndian(payload[17..], ticket.AdmittedMs);
        payload[25] = ticket.Digit is { } d ? (byte)d : byte.MaxValue;
        return WebEncoders.Base64UrlEncode(_protector.Protect(payload.ToArray()));
    }

    private Ticket? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 1024)
            return null;
        byte[] payload;
        try
        {
            payload = _protector.Unprotect(WebEncoders.Base64UrlDecode(token));
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
        {
            return null;
        }
        if (payload.Length != PayloadLength || payload[0] != Version)
            return null;
        var digit = payload[25];
        return new Ticket(
            BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(1)),
            BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(9)),
            BinaryPrimitives.ReadInt64BigEndian(payload.AsSpan(17)),
            digit <= 9 ? digit : null);
    }

    /// <summary>A ticket (not yet admitted: <see cref="AdmittedMs"/> 0) or a pass; times are the platform's Unix milliseconds.</summary>
    private sealed record Ticket(long Number, long IssuedMs, long AdmittedMs, int? Digit);

    private sealed record Snapshot(AdmissionSettings Settings, long Issued, long Admitted, double AdmittedPerSecond, int InFlow);
}
