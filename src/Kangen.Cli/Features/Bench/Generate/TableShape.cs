using System.Linq.Expressions;
using Kangen.Platform.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Kangen.Cli.Features.Bench.Generate;

/// <summary>One column of a bulk-written table: its name, how to read it from an entity, and the provider's mapping.</summary>
internal sealed record ColumnShape(string Name, Func<object, object?> Get, RelationalTypeMapping Mapping, ValueConverter? Converter, bool Nullable)
{
    /// <summary>The value as the provider stores it (SQLite instants as integers, as the model's converter writes them).</summary>
    public object? ProviderValue(object entity)
    {
        var value = Get(entity);
        return value is null ? null : Converter is null ? value : Converter.ConvertToProvider(value);
    }
}

/// <summary>
/// The table and columns of an entity as the EF model maps them (names, converters, store types), so the bulk writer
/// stores rows exactly as the change tracker would, and a migration that renames a column breaks it loudly instead of
/// leaving it to write a column that no longer exists. Database-generated keys (the ledger's id) are left out.
/// </summary>
internal sealed class TableShape
{
    private TableShape(Type entity, string table, IReadOnlyList<ColumnShape> columns)
    {
        Entity = entity;
        Table = table;
        Columns = columns;
    }

    public Type Entity { get; }

    public string Table { get; }

    public IReadOnlyList<ColumnShape> Columns { get; }

    public string QuotedColumns => string.Join(", ", Columns.Select(c => "\"" + c.Name + "\""));

    public static TableShape Of<T>(KangenDbContext db) where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties()
            .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd))
            .Select(p =>
            {
                var mapping = p.GetRelationalTypeMapping();
                return new ColumnShape(p.GetColumnName(table) ?? throw new InvalidOperationException($"{typeof(T).Name}.{p.Name} has no column."),
                    Getter(p.PropertyInfo ?? throw new InvalidOperationException($"{typeof(T).Name}.{p.Name} is not a CLR property.")),
                    mapping, p.GetValueConverter() ?? mapping.Converter, p.IsNullable);
            })
            .ToArray();
        return new TableShape(typeof(T), table.Name, columns);
    }

    // A compiled getter: reflection's GetValue would cost more than the insert itself at millions of rows.
    private static Func<object, object?> Getter(System.Reflection.PropertyInfo property)
    {
        var entity = Expression.Parameter(typeof(object), "entity");
        var body = Expression.Convert(Expression.Property(Expression.Convert(entity, property.DeclaringType!), property), typeof(object));
        return Expression.Lambda<Func<object, object?>>(body, entity).Compile();
    }
}
