using Kangen.Platform;

// The platform host: everything is registered by PlatformHost so the CLI can host the same application.
var app = PlatformHost.Build(args);
app.Run();

/// <summary>Entry point, public so integration tests can host it.</summary>
public partial class Program;
