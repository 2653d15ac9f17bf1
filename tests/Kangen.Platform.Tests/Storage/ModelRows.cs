using System.Globalization;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Kangen.Platform.Tests.Storage;

/// <summary>Rows of every entity of the model, with a distinct value in every column, for tests of our own readers and writers.</summary>
internal static class ModelRows
{
    public static List<IEntityType> ParentsFirst(IEnumerable<IEntityType> entities)
    {
        var left = entities.ToList();
        var ordered = new List<IEntityType>();
        while (left.Count > 0)
        {
            var ready = left.First(e => e.GetForeignKeys().All(k => k.PrincipalEntityType == e || ordered.Contains(k.PrincipalEntityType)));
            ordered.Add(ready);
            left.Remove(ready);
        }
        return ordered;
    }

    /// <summary>
    /// Row <paramref name="n"/> of <paramref name="entity"/>: every value distinct from the other row's and from seeded
    /// rows (keys and unique columns included), whole milliseconds for instants (what both providers keep), optional
    /// values null on row 1, and foreign keys naming row <paramref name="n"/> of their principal where one was built.
    /// </summary>
    public static object Build(IEntityType entity, int n, IReadOnlyDictionary<IEntityType, object[]> built)
    {
        var row = Activator.CreateInstance(entity.ClrType)!;
        var ordinal = 0;
        foreach (var property in entity.GetProperties())
        {
            ordinal++;
            var info = (PropertyInfo)property.PropertyInfo!;
            var seed = 1000 + 10 * n + ordinal;
            object? value = property.IsNullable && n == 1 && !property.IsForeignKey() ? null : Value(property, info.PropertyType, seed);
            info.SetValue(row, value);
        }
        foreach (var key in entity.GetForeignKeys())
        {
            if (!built.TryGetValue(key.PrincipalEntityType, out var principals))
                continue;
            var principal = principals[n];
            for (var i = 0; i < key.Properties.Count; i++)
                ((PropertyInfo)key.Properties[i].PropertyInfo!).SetValue(row, ((PropertyInfo)key.PrincipalKey.Properties[i].PropertyInfo!).GetValue(principal));
        }
        return row;
    }

    private static object Value(IProperty property, Type type, int seed)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var text = property.Name.ToLowerInvariant() + "-" + seed.ToString(CultureInfo.InvariantCulture);
        if (type == typeof(string))
            return property.GetMaxLength() is { } max && text.Length > max ? text[^max..] : text;
        if (type == typeof(int))
            return seed;
        if (type == typeof(long))
            return 1_000_000_000_000L * seed + seed;
        if (type == typeof(short))
            return (short)seed;
        if (type == typeof(double))
            return seed + 0.25;
        if (type == typeof(decimal))
            return seed + 0.25m;
        if (type == typeof(bool))
            return seed % 2 == 0;
        if (type == typeof(Guid))
            return new Guid(seed, 2, 3, [4, 5, 6, 7, 8, 9, 10, (byte)(seed % 256)]);
        if (type == typeof(DateTimeOffset))
            return new DateTimeOffset(2026, 3, 10, 3, 4, 5, 123, TimeSpan.Zero).AddMinutes(seed);
        if (type == typeof(DateTime))
            return new DateTime(2026, 3, 10, 3, 4, 5, 123, DateTimeKind.Utc).AddMinutes(seed);
        if (type == typeof(DateOnly))
            return new DateOnly(2026, 3, 10).AddDays(seed % 300);
        if (type == typeof(byte[]))
            return BitConverter.GetBytes(seed);
        throw new NotSupportedException($"{property.DeclaringType.DisplayName()}.{property.Name}: give {type.Name} a value here.");
    }
}
