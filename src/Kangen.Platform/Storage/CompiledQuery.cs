using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Kangen.Platform.Storage;

/// <summary>
/// A query compiled once per model (<c>EF.CompileAsyncQuery</c>). EF compiles a query for the model of the first context
/// that runs it and refuses a context of any other model instance. The two providers have a model each, and EF builds
/// a model per set of options that changes its internal services, so a process that talks to both providers (the
/// tests do), or a host that configured one option more, needs a compilation of its own: one is made for each model met.
/// </summary>
/// <typeparam name="TQuery">The compiled query's delegate.</typeparam>
internal sealed class CompiledQuery<TQuery>(Func<TQuery> compile) where TQuery : Delegate
{
    // A handful of models in a process at most; compiling costs nothing until the delegate first runs.
    private readonly ConcurrentDictionary<IModel, TQuery> _byModel = new(ReferenceEqualityComparer.Instance);

    /// <summary>The compilation for <paramref name="db"/>'s model.</summary>
    public TQuery For(KangenDbContext db) => _byModel.GetOrAdd(db.Model, _ => compile());
}
