using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>
/// Modular exponentiation with small public exponents for RSA verification, in Montgomery form over
/// 64-bit limbs. <see cref="BigInteger.ModPow(BigInteger, BigInteger, BigInteger)"/> works on 32-bit limbs
/// with Barrett reduction and measured ~10x slower than OpenSSL for s^65537 mod n; this is the same
/// arithmetic OpenSSL does (Montgomery multiplication, Koç et al. 1996), without importing the key
/// into an OpenSSL object, which is the part that does not scale. OpenSSL's own bignum functions, called on the numbers
/// (<see cref="OpenSslBignum"/>), are faster still; this is what verifies where libcrypto is not found. Only public values
/// pass through here, so the code is not constant-time.
/// </summary>
internal sealed class Montgomery
{
    private readonly ulong[] _n;
    private readonly ulong[] _r2;
    private readonly ulong _n0;

    /// <param name="modulus">The modulus, big-endian, odd, without leading zero bytes.</param>
    public Montgomery(ReadOnlySpan<byte> modulus)
    {
        if (modulus.IsEmpty || modulus[0] == 0 || (modulus[^1] & 1) == 0)
            throw new ArgumentException("The modulus must be odd and without leading zeros.", nameof(modulus));
        Limbs = (modulus.Length + 7) / 8;
        ByteLength = modulus.Length;
        _n = new ulong[Limbs];
        ToLimbs(modulus, _n);
        _n0 = NegativeInverse(_n[0]);
        // R^2 mod n with R = 2^(64 * limbs): one division per key, then every product is division-free.
        var n = new BigInteger(modulus, isUnsigned: true, isBigEndian: true);
        var r2 = BigInteger.Remainder(BigInteger.One << (128 * Limbs), n);
        _r2 = new ulong[Limbs];
        Span<byte> bytes = stackalloc byte[Limbs * 8];
        bytes.Clear();
        var length = r2.GetByteCount(isUnsigned: true);
        r2.TryWriteBytes(bytes[(bytes.Length - length)..], out _, isUnsigned: true, isBigEndian: true);
        ToLimbs(bytes, _r2);
    }

    /// <summary>Number of 64-bit limbs of the modulus.</summary>
    public int Limbs { get; }

    /// <summary>Length of the modulus in bytes.</summary>
    public int ByteLength { get; }

    /// <summary>
    /// Writes <paramref name="value"/>^<paramref name="exponent"/> mod n, big-endian, into
    /// <paramref name="result"/> (<see cref="ByteLength"/> bytes). False when the value is not below n.
    /// </summary>
    public bool ModPow(ReadOnlySpan<byte> value, long exponent, Span<byte> result)
    {
        if (value.Length != ByteLength || result.Length != ByteLength || exponent < 1)
            return false;
        var k = Limbs;
        Span<ulong> a = stackalloc ulong[k];
        ToLimbs(value, a);
        if (Compare(a, _n) >= 0)
            return false;

        Span<ulong> aMont = stackalloc ulong[k];
        Span<ulong> x = stackalloc ulong[k];
        Span<ulong> scratch = stackalloc ulong[2 * k + 2];
        Multiply(a, _r2, aMont, scratch);
        aMont.CopyTo(x);
        for (var bit = 62 - BitOperations.LeadingZeroCount((ulong)exponent); bit >= 0; bit--)
        {
            Square(x, scratch);
            if (((exponent >> bit) & 1) != 0)
                Multiply(x, aMont, x, scratch);
        }
        // Out of Montgomery form: x * 1 * R^-1.
        a.Clear();
        a[0] = 1;
        Multiply(x, a, x, scratch);
        FromLimbs(x, result);
        return true;
    }

    /// <summary>
    /// result = a * b * R^-1 mod n; result may alias a or b. Finely integrated operand scanning: the product
    /// row and the reduction row run in one pass with two carry chains. Refs instead of span indexing keep
    /// bounds checks out of the inner loop (lengths are fixed by the constructor).
    /// </summary>
    private void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> result, Span<ulong> scratch)
    {
        var k = _n.Length;
        ref var n = ref MemoryMarshal.GetArrayDataReference(_n);
        ref var ra = ref MemoryMarshal.GetReference(a);
        ref var rb = ref MemoryMarshal.GetReference(b);
        ref var t = ref MemoryMarshal.GetReference(scratch);
        scratch[..(k + 1)].Clear();
        var n0 = _n0;
        for (var i = 0; i < k; i++)
        {
            var bi = Unsafe.Add(ref rb, i);

            // j = 0: the reduction factor m makes the lowest word vanish.
            var hi1 = Math.BigMul(ra, bi, out var lo1);
            lo1 += t;
            hi1 += lo1 < t ? 1UL : 0UL;
            var m = lo1 * n0;
            var hi2 = Math.BigMul(m, n, out var lo2);
            lo2 += lo1;
            hi2 += lo2 < lo1 ? 1UL : 0UL;
            var carry1 = hi1;
            var carry2 = hi2;

            for (var j = 1; j < k; j++)
            {
                ref var tj = ref Unsafe.Add(ref t, j);
                hi1 = Math.BigMul(Unsafe.Add(ref ra, j), bi, out lo1);
                lo1 += tj;
                hi1 += lo1 < tj ? 1UL : 0UL;
                lo1 += carry1;
                hi1 += lo1 < carry1 ? 1UL : 0UL;
                carry1 = hi1;

                hi2 = Math.BigMul(m, Unsafe.Add(ref n, j), out lo2);
                lo2 += lo1;
                hi2 += lo2 < lo1 ? 1UL : 0UL;
                lo2 += carry2;
                hi2 += lo2 < carry2 ? 1UL : 0UL;
                carry2 = hi2;

                Unsafe.Add(ref t, j - 1) = lo2;
            }

            ref var top = ref Unsafe.Add(ref t, k);
            var sum = top + carry1;
            var overflow = sum < carry1 ? 1UL : 0UL;
            var sum2 = sum + carry2;
            overflow += sum2 < carry2 ? 1UL : 0UL;
            Unsafe.Add(ref t, k - 1) = sum2;
            top = overflow;
        }

        // t < 2n: one conditional subtraction brings it below n.
        var words = scratch[..k];
        if (scratch[k] != 0 || Compare(words, _n) >= 0)
            SubtractModulus(words);
        words.CopyTo(result);
    }

    /// <summary>
    /// x = x * x * R^-1 mod n. Squaring needs each cross product once (then doubled): k(k+1)/2 word products
    /// instead of k^2 before the reduction, and 16 of the 19 products of a verification with e = 65537 are squares.
    /// </summary>
    private void Square(Span<ulong> x, Span<ulong> scratch)
    {
        var k = _n.Length;
        ref var n = ref MemoryMarshal.GetArrayDataReference(_n);
        ref var a = ref MemoryMarshal.GetReference(x);
        ref var t = ref MemoryMarshal.GetReference(scratch);
        scratch[..(2 * k + 1)].Clear();

        // Cross products a[i] * a[j], i < j.
        for (var i = 0; i < k - 1; i++)
        {
            var ai = Unsafe.Add(ref a, i);
            ulong carry = 0;
            for (var j = i + 1; j < k; j++)
            {
                ref var tij = ref Unsafe.Add(ref t, i + j);
                var hi = Math.BigMul(ai, Unsafe.Add(ref a, j), out var lo);
                lo += tij;
                hi += lo < tij ? 1UL : 0UL;
                lo += carry;
                hi += lo < carry ? 1UL : 0UL;
                tij = lo;
                carry = hi;
            }
            Unsafe.Add(ref t, i + k) = carry;
        }

        // Double them and add the squares a[i]^2 on the diagonal.
        ulong shiftCarry = 0;
        ulong addCarry = 0;
        for (var i = 0; i < k; i++)
        {
            ref var low = ref Unsafe.Add(ref t, 2 * i);
            ref var high = ref Unsafe.Add(ref t, 2 * i + 1);
            var l = low;
            var h = high;
            var doubledLow = (l << 1) | shiftCarry;
            var doubledHigh = (h << 1) | (l >> 63);
            shiftCarry = h >> 63;

            var squareHigh = Math.BigMul(Unsafe.Add(ref a, i), Unsafe.Add(ref a, i), out var squareLow);
            var sumLow = doubledLow + squareLow;
            var c1 = sumLow < squareLow ? 1UL : 0UL;
            var sumLow2 = sumLow + addCarry;
            c1 += sumLow2 < addCarry ? 1UL : 0UL;
            var sumHigh = doubledHigh + squareHigh;
            var c2 = sumHigh < squareHigh ? 1UL : 0UL;
            var sumHigh2 = sumHigh + c1;
            c2 += sumHigh2 < c1 ? 1UL : 0UL;
            low = sumLow2;
            high = sumHigh2;
            addCarry = c2;
        }

        // Montgomery reduction of the 2k-word square: k rows of m * n, each clearing the lowest word.
        ulong topCarry = 0;
        for (var i = 0; i < k; i++)
        {
            var m = Unsafe.Add(ref t, i) * _n0;
            ulong carry = 0;
            for (var j = 0; j < k; j++)
            {
                ref var tij = ref Unsafe.Add(ref t, i + j);
                var hi = Math.BigMul(m, Unsafe.Add(ref n, j), out var lo);
                lo += tij;
                hi += lo < tij ? 1UL : 0UL;
                lo += carry;
                hi += lo < carry ? 1UL : 0UL;
                tij = lo;
                carry = hi;
            }
            ref var next = ref Unsafe.Add(ref t, i + k);
            var sum = next + carry;
            var c = sum < carry ? 1UL : 0UL;
            var sum2 = sum + topCarry;
            c += sum2 < topCarry ? 1UL : 0UL;
            next = sum2;
            topCarry = c;
        }

        // The result is t[k .. 2k) plus topCarry * R, below 2n: one conditional subtraction.
        var words = scratch.Slice(k, k);
        if (topCarry != 0 || Compare(words, _n) >= 0)
            SubtractModulus(words);
        words.CopyTo(x);
    }

    /// <summary>words -= n (the caller knows words, with any carry above it, is at least n and below 2n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SubtractModulus(Span<ulong> words)
    {
        ref var n = ref MemoryMarshal.GetArrayDataReference(_n);
        ref var w = ref MemoryMarshal.GetReference(words);
        ulong borrow = 0;
        for (var j = 0; j < _n.Length; j++)
        {
            ref var wj = ref Unsafe.Add(ref w, j);
            var nj = Unsafe.Add(ref n, j);
            var d = wj - nj;
            var b1 = wj < nj ? 1UL : 0UL;
            var d2 = d - borrow;
            var b2 = d < borrow ? 1UL : 0UL;
            wj = d2;
            borrow = b1 | b2;
        }
    }

    private static int Compare(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        for (var i = a.Length - 1; i >= 0; i--)
        {
            if (a[i] != b[i])
                return a[i] < b[i] ? -1 : 1;
        }
        return 0;
    }

    /// <summary>-n^-1 mod 2^64 by Newton's iteration (each step doubles the correct low bits).</summary>
    private static ulong NegativeInverse(ulong n0)
    {
        var inverse = n0; // correct to 3 bits for odd n0
        for (var i = 0; i < 5; i++)
            inverse *= 2 - n0 * inverse;
        return unchecked(0 - inverse);
    }

    /// <summary>Big-endian bytes to little-endian limbs (the span of limbs is zero-extended).</summary>
    private static void ToLimbs(ReadOnlySpan<byte> bigEndian, Span<ulong> limbs)
    {
        limbs.Clear();
        var index = 0;
        var end = bigEndian.Length;
        while (end >= 8)
        {
            limbs[index++] = BinaryPrimitives.ReadUInt64BigEndian(bigEndian[(end - 8)..end]);
            end -= 8;
        }
        if (end > 0)
        {
            ulong top = 0;
            for (var i = 0; i < end; i++)
                top = (top << 8) | bigEndian[i];
            limbs[index] = top;
        }
    }

    private static void FromLimbs(ReadOnlySpan<ulong> limbs, Span<byte> bigEndian)
    {
        var end = bigEndian.Length;
        var index = 0;
        while (end >= 8)
        {
            BinaryPrimitives.WriteUInt64BigEndian(bigEndian[(end - 8)..end], limbs[index++]);
            end -= 8;
        }
        if (end > 0)
        {
            var top = limbs[index];
            for (var i = end - 1; i >= 0; i--)
            {
                bigEndian[i] = (byte)top;
                top >>= 8;
            }
        }
    }
}
