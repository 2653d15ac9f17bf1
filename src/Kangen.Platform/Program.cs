using Kangen.Platform.Features.Spots;

// The platform host. Until the Platform identity issue lands it serves only its liveness probe.
var builder = WebApplication.CreateBuilder(args);
builder.AddSpots();
var app = builder.Build();
app.MapGet("/health", () => TypedResults.Text("ok"));
app.MapSpots();
app.Run();

/// <summary>Entry point, public so integration tests can host it.</summary>
public partial class Program;
