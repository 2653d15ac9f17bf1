namespace Kangen.Platform.Web;

/// <summary>The web pages' settings: <c>Kangen:Web</c>.</summary>
public sealed class WebOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Kangen:Web";

    /// <summary>
    /// Where the citizen's local card agent listens (<c>kangen card agent --port 47300 --allow-origin &lt;this site&gt;</c>).
    /// The pages' script calls it from the browser; the platform itself never does.
    /// </summary>
    public string CardAgentUrl { get; set; } = "http://127.0.0.1:47300/";

    /// <summary>How long a staff sign-in lasts without use (minutes).</summary>
    public int StaffIdleMinutes { get; set; } = 60;

    /// <summary>How long an assisted terminal keeps a citizen without activity before forgetting them (seconds).</summary>
    public int CounterIdleSeconds { get; set; } = 180;

    /// <summary>
    /// Where the municipal office's pages find the emulated card files of this platform's issuer (default
    /// <c>&lt;data&gt;/cards</c>, where <c>kangen demo</c> and the browser tests put them).
    /// </summary>
    public string? CardsDirectory { get; set; }
}
