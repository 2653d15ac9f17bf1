using Kangen.Operator.Grants;

namespace Kangen.Operator.Tests;

public class GrantKeysTests
{
    [Fact]
    public void The_same_source_always_gives_the_same_key()
    {
        Assert.Equal(GrantKeys.ForTransaction("t0123456789abcdef"), GrantKeys.ForTransaction("t0123456789abcdef"));
        Assert.Equal("p1.t0123456789abcdef", GrantKeys.ForTransaction("t0123456789abcdef"));
        Assert.Equal(GrantKeys.ForMonth("p-abc", "demo-pay", 202210), GrantKeys.ForMonth("p-abc", "demo-pay", 202210));
        Assert.Equal("p2.p-abc", GrantKeys.ForFixed("p-abc", 2));
        Assert.Equal("c.p1.t01", GrantKeys.ForCancellation("p1.t01"));
    }

    [Fact]
    public void Different_sources_give_different_keys()
    {
        var keys = new[]
        {
            GrantKeys.ForTransaction("t1"), GrantKeys.ForThreshold("t1"), GrantKeys.ForTransaction("t2"),
            GrantKeys.ForMonth("p-a", "demo-pay", 202210), GrantKeys.ForMonth("p-a", "demo-pay", 202211),
            GrantKeys.ForMonth("p-a", "demo-ecash", 202210), GrantKeys.ForMonth("p-b", "demo-pay", 202210),
            GrantKeys.ForFixed("p-a", 2), GrantKeys.ForFixed("p-a", 3), GrantKeys.ForCancellation("p1.t1"),
        };
        Assert.Equal(keys.Length, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_key_fits_the_protocol_even_from_long_sources()
    {
        var longPerson = "p-" + new string('x', 120);
        foreach (var key in new[] { GrantKeys.ForMonth(longPerson, "demo-pay", 202210), GrantKeys.ForFixed(longPerson, 3), GrantKeys.ForFixed("p-abc/def", 2) })
        {
            Assert.True(GrantKeys.IsValid(key), key);
            Assert.True(key.Length <= 64);
        }
        Assert.Equal(GrantKeys.ForFixed(longPerson, 3), GrantKeys.ForFixed(longPerson, 3));
        Assert.NotEqual(GrantKeys.ForFixed(longPerson, 3), GrantKeys.ForFixed(longPerson, 2));
    }
}
