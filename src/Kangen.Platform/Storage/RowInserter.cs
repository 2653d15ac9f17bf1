using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Kangen.Platform.Storage;

/// <summary>
/// Inserts (or upserts) rows with <c>INSERT</c> statements of its own inside the caller's transaction: on SQLite one prepared statement
/// per table, run again for every row; on PostgreSQL one statement per table whatever the number of rows, its values sent as one
/// array per column and unnested by the server, every table's in one batch. The change tracker sends a freshly built
/// statement per row (SQLite prepares each one again), which is most of what saving many small rows costs on the writer's
/// serial path (docs/performance.md). Columns, parameter conversions and values come from the EF model (the provider's
/// own type mappings and value converters, the properties' own getters), so rows are stored exactly as the change tracker would store them.
/// </summary>
public static class RowInserter
{
    // What each entity's statements need, kept on the model itself (so it lives and goes with the model).
    private const string TrackedAnnotation = "Kangen:RowInserter:Tracked";
    private const string UntrackedAnnotation = "Kangen:RowInserter:Untracked";

    private static Table TableOf(IEntityType entity, bool tracked) =>
        entity.GetOrAddRuntimeAnnotationValue(tracked ? TrackedAnnotation : UntrackedAnnotation,
            static key => new Table(key.Entity, key.Tracked), (Entity: entity, Tracked: tracked));

    /// <summary>
    /// Inserts <paramref name="rows"/>, untracked; a key the database generates (an identity) is left to it and not read
    /// back. An entity with a column the database fills by default is refused: leaving the column out would drop the rows'
    /// own values, and sending it would drop the default.
    /// </summary>
    public static async Task InsertAsync<T>(KangenDbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rows);
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new ArgumentException($"{typeof(T).Name} is not an entity of the model.", nameof(rows));
        var table = TableOf(entity, tracked: false);
        if (table.Unsupported is { } why)
            throw new NotSupportedException($"{typeof(T).Name} cannot be inserted by statements of our own: {why}.");
        await WriteAsync(db, [(table, (IReadOnlyList<object>)rows)], cancellationToken);
    }

    /// <summary>
    /// Inserts <paramref name="rows"/>, untracked, or where a row with the same primary key exists, sets its other columns
    /// to the row's values (<c>INSERT ... ON CONFLICT (key) DO UPDATE</c>, the same on both providers). The rows' keys
    /// must differ from each other: PostgreSQL refuses to update one row twice in a statement. For rows that hold state
    /// computed under the caller's lock (running totals), where the change tracker would send one UPDATE per row.
    /// Rows with the same key are refused (<see cref="ArgumentException"/>), before anything is written.
    /// </summary>
    public static async Task UpsertAsync<T>(KangenDbContext db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(rows);
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new ArgumentException($"{typeof(T).Name} is not an entity of the model.", nameof(rows));
        var table = TableOf(entity, tracked: false);
        if ((table.Unsupported ?? table.NotUpsertable) is { } why)
            throw new NotSupportedException($"{typeof(T).Name} cannot be upserted by statements of our own: {why}.");
        // A repeated key would fail PostgreSQL's statement, or silently keep the last row across statements and on SQLite.
        var keys = new HashSet<object?[]>(rows.Count, KeyComparer.Instance);
        foreach (var row in rows)
        {
            if (!keys.Add(table.KeyOf(row)))
                throw new ArgumentException($"Two {typeof(T).Name} rows to upsert have the same key.", nameof(rows));
        }
        await WriteAsync(db, [(table, (IReadOnlyList<object>)rows)], cancellationToken, upsert: true);
    }

    /// <summary>
    /// Inserts every row the context tracks as added, parents before the rows that refer to them, and accepts them as the
    /// change tracker's save would. Answers false, having written nothing, when some tracked row needs the change tracker's
    /// own save: a row modified or deleted, a value the database is to generate, a shape of entity this does not write.
    /// </summary>
    internal static async Task<bool> TryInsertTrackedAsync(KangenDbContext db, CancellationToken cancellationToken)
    {
        var added = new Dictionary<IEntityType, List<object>>();
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State == EntityState.Unchanged)
                continue;
            if (entry.State != EntityState.Added)
                return false;
            var table = TableOf(entry.Metadata, tracked: true);
            if (table.Unsupported is not null || table.LeavesToDatabase(entry.Entity))
                return false;
            if (!added.TryGetValue(entry.Metadata, out var rows))
                added[entry.Metadata] = rows = [];
            rows.Add(entry.Entity);
        }
        if (ParentsFirst(added.Keys) is not { } ordered)
            return false;
        await WriteAsync(db, ordered.Select(e => (TableOf(e, tracked: true), (IReadOnlyList<object>)added[e])).ToArray(), cancellationToken);
        db.ChangeTracker.AcceptAllChanges();
        return true;
    }

    // Foreign keys are checked at each statement on both providers, so a table comes after those it refers to (null when
    // the tables refer to each other in a cycle: the change tracker orders such rows one by one). A table referring to
    // itself is never written here (see Table).
    private static List<IEntityType>? ParentsFirst(IReadOnlyCollection<IEntityType> entities)
    {
        var ordered = new List<IEntityType>(entities.Count);
        var left = new HashSet<IEntityType>(entities);
        while (left.Count > 0)
        {
            var ready = left.FirstOrDefault(e => !e.GetForeignKeys().Any(k => k.PrincipalEntityType != e && left.Contains(k.PrincipalEntityType)));
            if (ready is null)
                return null;
            ordered.Add(ready);
            left.Remove(ready);
        }
        return ordered;
    }

    private static async Task WriteAsync(KangenDbContext db, IReadOnlyList<(Table Table, IReadOnlyList<object> Rows)> tables, CancellationToken cancellationToken, bool upsert = false)
    {
        if (tables.All(t => t.Rows.Count == 0))
            return;
        var transaction = (db.Database.CurrentTransaction ?? throw new InvalidOperationException("Rows are inserted inside the caller's transaction.")).GetDbTransaction();
        var connection = db.Database.GetDbConnection();
        if (db.Provider == StorageProvider.Sqlite)
        {
            foreach (var (table, rows) in tables)
                await WriteOneByOneAsync(connection, transaction, table, rows, upsert, cancellationToken);
            return;
        }
        // PostgreSQL: one statement per table, in one batch (one round trip). Its text does not depend on the number of rows,
        // so Npgsql's automatic preparation keeps one prepared statement per table (a text per number of rows filled its
        // slots with texts used a few times each), the server parses ten parameters instead of ten per row, and a table
        // takes any number of rows (a statement's parameters are limited to 65,535).
        await using var batch = connection.CreateBatch();
        batch.Transaction = transaction;
        foreach (var (table, rows) in tables)
        {
            if (rows.Count == 0)
                continue;
            var statement = batch.CreateBatchCommand();
            statement.CommandText = table.Unnested(upsert);
            table.AddArrays(statement, rows);
            batch.BatchCommands.Add(statement);
        }
        Inserted(await batch.ExecuteNonQueryAsync(cancellationToken), tables.Sum(t => t.Rows.Count));
    }

    // As the change tracker does, a row the database did not store (a trigger or rule that skips it) fails the save rather
    // than being taken as stored. An upsert's update counts as one row on both providers.
    private static void Inserted(int affected, int expected)
    {
        if (affected != expected)
            throw new DbUpdateException($"The database stored {affected} of {expected} rows: a trigger or rule skipped some.");
    }

    // SQLite: one command per table, its one-row statement prepared once by Microsoft.Data.Sqlite and run again with each
    // row's values (SQLite's statements cost no round trip; preparing them is what costs). Not multi-row statements: SQLite
    // binds parameters by name, and finding a name scans the statement's list, so binding n parameters costs n^2; 16 rows
    // per freshly prepared statement spent half of a 2,000-line grant chunk preparing and binding. Nor arrays: SQLite has none.
    private static async Task WriteOneByOneAsync(DbConnection connection, DbTransaction transaction, Table table, IReadOnlyList<object> rows, bool upsert, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
            return;
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = table.OneRow(upsert);
        foreach (var row in rows)
        {
            command.Parameters.Clear();
            table.AddParameters(command, row);
            Inserted(await command.ExecuteNonQueryAsync(cancellationToken), 1);
        }
    }

    /// <summary>One entity's table: its columns in the model's order, and the statement's head.</summary>
    private sealed class Table
    {
        // The generated properties whose value decides, row by row, whether the database must generate it.
        private readonly Column[] _generated;
        // The primary key's columns, and ON CONFLICT (those) DO UPDATE SET every other column, when rows can be upserted.
        private readonly Column[] _key = [];
        private readonly string _upsertTail = "";
        // One row's statement (SQLite), and every row's as arrays (PostgreSQL); parameters @p0, @p1... one per column.
        private readonly string _oneRow = "";
        private readonly string _unnested = "";

        public Table(IEntityType entity, bool tracked)
        {
            var name = entity.GetTableName();
            Unsupported = name is null ? "it is not mapped to a table"
                // Its rows would have to be ordered among themselves, as the change tracker does.
                : entity.GetForeignKeys().Any(k => k.PrincipalEntityType == entity) ? "it refers to its own table"
                : !tracked && entity.GetProperties().Any(p => p.ValueGenerated != ValueGenerated.Never && !p.IsPrimaryKey()) ? "the database fills one of its columns by default"
                : entity.GetProperties().Any(p => p.GetBeforeSaveBehavior() != PropertySaveBehavior.Save
                    || p.ValueGenerated is not (ValueGenerated.Never or ValueGenerated.OnAdd)) ? "the database computes some of its values"
                : entity.BaseType is not null || entity.GetDerivedTypes().Any() ? "it is part of a hierarchy"
                : entity.IsOwned() || entity.GetNavigations().Any(n => n.TargetEntityType.IsOwned()) ? "it owns or is owned"
                : entity.GetComplexProperties().Any() ? "it has complex properties"
                : entity.GetProperties().Any(p => p.IsShadowProperty()) ? "it has shadow properties"
                : null;
            if (Unsupported is not null)
            {
                Columns = _generated = [];
                NotUpsertable = Unsupported;
                return;
            }
            var store = StoreObjectIdentifier.Table(name!, entity.GetSchema());
            // Untracked rows leave their generated key to the database; tracked ones send what the change tracker would
            // send (a generated property already holding a value), and a row whose value is still to generate is refused.
            Columns = entity.GetProperties().Where(p => tracked || p.ValueGenerated == ValueGenerated.Never)
                .Select(p => new Column(p, p.GetColumnName(store)!, p.GetRelationalTypeMapping(), p.GetGetter())).ToArray();
            _generated = Columns.Where(c => c.Property.ValueGenerated != ValueGenerated.Never).ToArray();
            var quoted = store.Schema is null ? Quote(store.Name) : Quote(store.Schema) + "." + Quote(store.Name);
            var head = $"INSERT INTO {quoted} ({string.Join(", ", Columns.Select(c => Quote(c.Name)))}) ";
            _oneRow = head + "VALUES (" + string.Join(", ", Columns.Select((_, i) => Name(i))) + ")";
            // unnest with several arrays gives a row per index, the arrays' elements side by side (nulls where one is shorter,
            // and ours are all as long as the rows). Each array is cast to the column's type without its facets: a string
            // too long for its column then fails the insert as the change tracker's does, where casting to
            // character varying(n) would cut it silently.
            _unnested = head + "SELECT * FROM unnest("
                + string.Join(", ", Columns.Select((c, i) => $"{Name(i)}::{c.Mapping.StoreTypeNameBase}[]")) + ")";
            var key = entity.FindPrimaryKey()?.Properties;
            var others = Columns.Where(c => !c.Property.IsPrimaryKey()).ToArray();
            // An upsert finds the existing row by its whole key, so every key column must be sent (a generated key is not).
            NotUpsertable = key is null ? "it has no primary key"
                : key.Any(k => !Columns.Any(c => c.Property == k)) ? "part of its key is generated when a row is added"
                : others.Length == 0 ? "it has no column besides its key"
                // The change tracker would check the token on update; an upsert would silently overwrite.
                : entity.GetProperties().Any(p => p.IsConcurrencyToken) ? "it has a concurrency token"
                : null;
            if (NotUpsertable is not null)
                return;
            _key = [.. key!.Select(k => Columns.Single(c => c.Property == k))];
            _upsertTail = $" ON CONFLICT ({string.Join(", ", _key.Select(c => Quote(c.Name)))}) DO UPDATE SET "
                + string.Join(", ", others.Select(c => $"{Quote(c.Name)} = excluded.{Quote(c.Name)}"));
        }

        /// <summary>The statement inserting (or upserting) one row, its values in <see cref="AddParameters"/>' parameters.</summary>
        public string OneRow(bool upsert) => upsert ? _oneRow + _upsertTail : _oneRow;

        /// <summary>The statement inserting (or upserting) any number of rows, their values in <see cref="AddArrays"/>' parameters.</summary>
        public string Unnested(bool upsert) => upsert ? _unnested + _upsertTail : _unnested;

        /// <summary>Adds the parameters of <paramref name="row"/> to <paramref name="command"/>, made by the columns' type mappings.</summary>
        public void AddParameters(DbCommand command, object row)
        {
            for (var c = 0; c < Columns.Length; c++)
            {
                var column = Columns[c];
                command.Parameters.Add(column.Mapping.CreateParameter(command, Name(c),
                    column.Getter.GetClrValueUsingContainingEntity(row), column.Property.IsNullable));
            }
        }

        /// <summary>Adds one parameter per column to <paramref name="statement"/>: an array of the rows' values, converted for the provider.</summary>
        public void AddArrays(DbBatchCommand statement, IReadOnlyList<object> rows)
        {
            for (var c = 0; c < Columns.Length; c++)
            {
                var parameter = statement.CreateParameter();
                parameter.ParameterName = Name(c);
                parameter.Value = Columns[c].Gather(rows);
                statement.Parameters.Add(parameter);
            }
        }

        /// <summary>Why the rows cannot be written here (null: they can).</summary>
        public string? Unsupported { get; }

        public Column[] Columns { get; }

        /// <summary>The values of the row's primary key (an upsertable table's), to compare structurally.</summary>
        public object?[] KeyOf(object row) => [.. _key.Select(c => c.Getter.GetClrValueUsingContainingEntity(row))];

        /// <summary>Why the rows cannot be upserted (null: they can).</summary>
        public string? NotUpsertable { get; }

        /// <summary>Whether the change tracker would leave one of the row's values to the database (it holds its CLR default).</summary>
        public bool LeavesToDatabase(object row) => _generated.Any(c => c.Getter.HasSentinelValueUsingContainingEntity(row));

        // Parameter names (one per column) made once: SQLite's statements take them again for every row.
        private static readonly string[] Names = Enumerable.Range(0, 256).Select(i => "@p" + i.ToString(CultureInfo.InvariantCulture)).ToArray();

        private static string Name(int i) => i < Names.Length ? Names[i] : "@p" + i.ToString(CultureInfo.InvariantCulture);

        private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    // Key values compared value by value (a row's key is an array of its key columns' values).
    private sealed class KeyComparer : IEqualityComparer<object?[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(object?[]? x, object?[]? y) => x is not null && y is not null && x.SequenceEqual(y);

        public int GetHashCode(object?[] obj)
        {
            var hash = new HashCode();
            foreach (var value in obj)
                hash.Add(value);
            return hash.ToHashCode();
        }
    }

    private sealed record Column(IProperty Property, string Name, RelationalTypeMapping Mapping, IClrPropertyGetter Getter)
    {
        // The array's element type is the provider's (after the mapping's value converter), nullable when the column is.
        private readonly Func<Column, IReadOnlyList<object>, Array> _gather = GatherMethod
            .MakeGenericMethod(ElementType(Mapping.Converter?.ProviderClrType ?? Mapping.ClrType, Property.IsNullable))
            .CreateDelegate<Func<Column, IReadOnlyList<object>, Array>>();

        private static readonly MethodInfo GatherMethod = typeof(Column).GetMethod(nameof(GatherAs), BindingFlags.NonPublic | BindingFlags.Static)!;

        /// <summary>The column's values in <paramref name="rows"/>, in order, as the provider stores them (a typed array, so Npgsql sends the array type).</summary>
        public Array Gather(IReadOnlyList<object> rows) => _gather(this, rows);

        private static Type ElementType(Type type, bool nullable) =>
            nullable && type.IsValueType && Nullable.GetUnderlyingType(type) is null ? typeof(Nullable<>).MakeGenericType(type) : type;

        private static Array GatherAs<T>(Column column, IReadOnlyList<object> rows)
        {
            var values = new T[rows.Count];
            for (var r = 0; r < values.Length; r++)
            {
                var value = column.Getter.GetClrValueUsingContainingEntity(rows[r]);
                values[r] = (T)(column.Mapping.Converter is { } converter ? converter.ConvertToProvider(value) : value)!;
            }
            return values;
        }
    }
}
