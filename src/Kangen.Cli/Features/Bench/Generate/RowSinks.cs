using System.Data.Common;
using Kangen.Platform.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Kangen.Cli.Features.Bench.Generate;

/// <summary>
/// The rows of one batch of generated people, table by table in the order foreign keys need, and the audit chain's
/// head after them. A batch is written in one transaction with the head, so an interrupted run leaves whole people
/// and a chain that still verifies.
/// </summary>
internal sealed class GeneratedBatch
{
    /// <summary>The tables in write order (parents first).</summary>
    public static readonly Type[] Order =
    [
        typeof(Person), typeof(CertificateLink), typeof(ApplicationSubmission), typeof(ProgramApplication), typeof(CampaignChoice),
        typeof(ServiceAccount), typeof(OperatorPseudonym), typeof(EnrolmentEvent), typeof(GrantEntry), typeof(GrantTotal), typeof(AuditEntry),
    ];

    private readonly Dictionary<Type, List<object>> _rows = Order.ToDictionary(t => t, _ => new List<object>());

    public int People { get; set; }

    public long HeadSequence { get; set; }

    public string HeadHash { get; set; } = "";

    public void Add<T>(T row) where T : class => _rows[typeof(T)].Add(row);

    public IReadOnlyList<object> Rows(Type table) => _rows[table];

    public long RowCount => _rows.Values.Sum(r => (long)r.Count);
}

/// <summary>Writes batches into a database with the provider's fastest plain path, each batch in one transaction.</summary>
internal abstract class RowSink : IAsyncDisposable
{
    public static async Task<RowSink> OpenAsync(KangenDbContext model, StorageProvider provider, string connectionString, CancellationToken cancellationToken)
    {
        var shapes = new Dictionary<Type, TableShape>
        {
            [typeof(Person)] = TableShape.Of<Person>(model),
            [typeof(CertificateLink)] = TableShape.Of<CertificateLink>(model),
            [typeof(ApplicationSubmission)] = TableShape.Of<ApplicationSubmission>(model),
            [typeof(ProgramApplication)] = TableShape.Of<ProgramApplication>(model),
            [typeof(CampaignChoice)] = TableShape.Of<CampaignChoice>(model),
            [typeof(ServiceAccount)] = TableShape.Of<ServiceAccount>(model),
            [typeof(OperatorPseudonym)] = TableShape.Of<OperatorPseudonym>(model),
            [typeof(EnrolmentEvent)] = TableShape.Of<EnrolmentEvent>(model),
            [typeof(GrantEntry)] = TableShape.Of<GrantEntry>(model),
            [typeof(GrantTotal)] = TableShape.Of<GrantTotal>(model),
            [typeof(AuditEntry)] = TableShape.Of<AuditEntry>(model),
        };
        var head = TableShape.Of<AuditHead>(model);
        var headColumns = (Table: head.Table, Id: Column<AuditHead>(model, nameof(AuditHead.Id)),
            Sequence: Column<AuditHead>(model, nameof(AuditHead.Sequence)), Hash: Column<AuditHead>(model, nameof(AuditHead.Hash)));
        var headSql = $"UPDATE \"{headColumns.Table}\" SET \"{headColumns.Sequence}\" = @sequence, \"{headColumns.Hash}\" = @hash WHERE \"{headColumns.Id}\" = 1";
        if (provider == StorageProvider.Sqlite)
            return await SqliteSink.OpenAsync(connectionString, shapes, headSql, cancellationToken);
        return await PostgresSink.OpenAsync(connectionString, shapes, headSql, cancellationToken);
    }

    private static string Column<T>(KangenDbContext model, string property)
    {
        var entity = model.Model.FindEntityType(typeof(T))!;
        var table = Microsoft.EntityFrameworkCore.Metadata.StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        return entity.FindProperty(property)!.GetColumnName(table)!;
    }

    public abstract Task WriteAsync(GeneratedBatch batch, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    protected static void SetHead(DbCommand command, GeneratedBatch batch)
    {
        command.Parameters[0].Value = batch.HeadSequence;
        command.Parameters[1].Value = batch.HeadHash;
    }
}

/// <summary>
/// SQLite: one connection, prepared single-row INSERTs reused for every row, one transaction per batch, and no fsync
/// while generating (<c>synchronous=OFF</c>: a crash mid-generation is a re-run, not a lost citizen; the platform later
/// opens the file with its own settings).
/// </summary>
internal sealed class SqliteSink : RowSink
{
    private readonly SqliteConnection _connection;
    private readonly Dictionary<Type, (TableShape Shape, SqliteCommand Command)> _inserts = [];
    private readonly SqliteCommand _head;

    private SqliteSink(SqliteConnection connection, SqliteCommand head)
    {
        _connection = connection;
        _head = head;
    }

    public static async Task<SqliteSink> OpenAsync(string connectionString, IReadOnlyDictionary<Type, TableShape> shapes, string headSql, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous=OFF; PRAGMA cache_size=-131072; PRAGMA temp_store=MEMORY;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }
        var head = connection.CreateCommand();
        head.CommandText = headSql.Replace("@sequence", "$sequence", StringComparison.Ordinal).Replace("@hash", "$hash", StringComparison.Ordinal);
        head.Parameters.Add(new SqliteParameter("$sequence", SqliteType.Integer));
        head.Parameters.Add(new SqliteParameter("$hash", SqliteType.Text));
        var sink = new SqliteSink(connection, head);
        foreach (var (type, shape) in shapes)
        {
            var command = connection.CreateCommand();
            command.CommandText = $"INSERT INTO \"{shape.Table}\" ({shape.QuotedColumns}) VALUES ({string.Join(", ", shape.Columns.Select((_, i) => "$p" + i))})";
            for (var i = 0; i < shape.Columns.Count; i++)
            {
                // The mapping configures the parameter as the change tracker would (a Guid as TEXT); each row then only sets values.
                var column = shape.Columns[i];
                command.Parameters.Add(column.Mapping.CreateParameter(command, "$p" + i, null, column.Nullable));
            }
            sink._inserts[type] = (shape, command);
        }
        return sink;
    }

    public override async Task WriteAsync(GeneratedBatch batch, CancellationToken cancellationToken)
    {
        await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken);
        foreach (var type in GeneratedBatch.Order)
        {
            var (shape, command) = _inserts[type];
            command.Transaction = transaction;
            var columns = shape.Columns;
            foreach (var row in batch.Rows(type))
            {
                for (var i = 0; i < columns.Count; i++)
                    command.Parameters[i].Value = columns[i].ProviderValue(row) ?? DBNull.Value;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        _head.Transaction = transaction;
        SetHead(_head, batch);
        await _head.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var (_, command) in _inserts.Values)
            await command.DisposeAsync();
        await _head.DisposeAsync();
        // The generated pages out of the write-ahead log into the file: the platform starts on a compact database.
        await using (var checkpoint = _connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await checkpoint.ExecuteNonQueryAsync();
        }
        await _connection.DisposeAsync();
    }
}

/// <summary>PostgreSQL: binary COPY per table and batch, in one transaction per batch.</summary>
internal sealed class PostgresSink : RowSink
{
    private readonly NpgsqlConnection _connection;
    private readonly IReadOnlyDictionary<Type, TableShape> _shapes;
    private readonly string _headSql;

    private PostgresSink(NpgsqlConnection connection, IReadOnlyDictionary<Type, TableShape> shapes, string headSql)
    {
        _connection = connection;
        _shapes = shapes;
        _headSql = headSql;
    }

    public static async Task<PostgresSink> OpenAsync(string connectionString, IReadOnlyDictionary<Type, TableShape> shapes, string headSql, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // Generated rows need no durable commit each: a crash mid-generation is a re-run.
        await using (var settings = new NpgsqlCommand("SET synchronous_commit = off", connection))
            await settings.ExecuteNonQueryAsync(cancellationToken);
        return new PostgresSink(connection, shapes, headSql);
    }

    public override async Task WriteAsync(GeneratedBatch batch, CancellationToken cancellationToken)
    {
        await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
        foreach (var type in GeneratedBatch.Order)
        {
            var rows = batch.Rows(type);
            if (rows.Count == 0)
                continue;
            var shape = _shapes[type];
            await using var writer = await _connection.BeginBinaryImportAsync(
                $"COPY \"{shape.Table}\" ({shape.QuotedColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var row in rows)
            {
                await writer.StartRowAsync(cancellationToken);
                foreach (var column in shape.Columns)
                    await WriteAsync(writer, column.Get(row), cancellationToken);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        await using (var head = new NpgsqlCommand(_headSql, _connection, transaction))
        {
            head.Parameters.AddWithValue("sequence", batch.HeadSequence);
            head.Parameters.AddWithValue("hash", batch.HeadHash);
            await head.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    // The CLR types of the model's properties; timestamptz takes UTC instants only, as the platform stores them.
    private static Task WriteAsync(NpgsqlBinaryImporter writer, object? value, CancellationToken cancellationToken) => value switch
    {
        null => writer.WriteNullAsync(cancellationToken),
        string s => writer.WriteAsync(s, NpgsqlDbType.Text, cancellationToken),
        Guid g => writer.WriteAsync(g, NpgsqlDbType.Uuid, cancellationToken),
        DateTimeOffset d => writer.WriteAsync(d.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken),
        long l => writer.WriteAsync(l, NpgsqlDbType.Bigint, cancellationToken),
        int i => writer.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken),
        bool b => writer.WriteAsync(b, NpgsqlDbType.Boolean, cancellationToken),
        _ => throw new NotSupportedException($"No COPY writer for {value.GetType().Name}."),
    };

    public override async ValueTask DisposeAsync()
    {
        // Fresh statistics for the planner, as autovacuum would gather them on a database that grew over months.
        await using (var analyze = new NpgsqlCommand("ANALYZE", _connection) { CommandTimeout = 0 })
            await analyze.ExecuteNonQueryAsync();
        await _connection.DisposeAsync();
    }
}
