using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Kangen.Platform.Tests.Platform;

/// <summary>
/// The platform's log lines at Error and above, with their exceptions, from the fixture's instance and its replicas: a
/// 500 answers <c>server.error</c> and nothing more, so a test that meets one can say why in its failure message. Only
/// the latest <see cref="Kept"/> are kept: a fixture lives for a whole test class, whose other tests may fail requests
/// on purpose.
/// </summary>
public sealed class ServerErrors : ILoggerProvider
{
    /// <summary>Lines kept.</summary>
    public const int Kept = 20;

    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>The latest lines, one per entry.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>The latest lines, one per entry, or a note that there are none.</summary>
    public override string ToString() => _lines.IsEmpty ? "(the platform logged no error)" : string.Join(Environment.NewLine, _lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ServerErrors owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            owner._lines.Enqueue($"{category} {logLevel} {formatter(state, exception)}{(exception is null ? "" : " | " + exception)}");
            while (owner._lines.Count > Kept)
                owner._lines.TryDequeue(out _);
        }
    }
}
