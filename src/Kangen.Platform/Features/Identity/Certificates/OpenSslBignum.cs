using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Kangen.Platform.Features.Identity.Certificates;

/// <summary>
/// s^e mod n for RSA verification by OpenSSL's bignum functions (libcrypto, the library .NET's own cryptography already
/// loads on Linux), called directly. What made OpenSSL slow and serial for a card's key is importing the key into an
/// <c>EVP_PKEY</c> (decoders, providers, their locks), not the arithmetic: <c>BN_mod_exp_mont</c> on plain numbers uses
/// OpenSSL's assembly Montgomery multiplication, about twice as fast as <see cref="Montgomery"/>, and takes no lock.
/// Where <c>libcrypto.so.3</c> is not found (Windows, macOS, OpenSSL 1.1), <see cref="IsAvailable"/> is false and
/// <see cref="RsaPublicKey"/> uses <see cref="Montgomery"/>. Only public values pass through here.
/// </summary>
internal static class OpenSslBignum
{
    private const string Library = "libcrypto.so.3";

    /// <summary>Whether libcrypto's bignum functions were found and compute correctly here (checked once).</summary>
    public static bool IsAvailable { get; } = Probe();

    /// <summary>
    /// Writes <paramref name="value"/>^<paramref name="exponent"/> mod <paramref name="modulus"/>, big-endian, into
    /// <paramref name="result"/> (as long as the modulus). False when the value is not below the modulus (RFC 8017 5.2.2:
    /// a signature representative out of range), the lengths differ, the modulus is even or the exponent below 1.
    /// </summary>
    /// <param name="modulus">Odd, big-endian, without leading zero bytes.</param>
    /// <exception cref="CryptographicException">libcrypto failed (out of memory).</exception>
    public static bool ModPow(ReadOnlySpan<byte> value, ReadOnlySpan<byte> modulus, long exponent, Span<byte> result)
    {
        if (value.Length != modulus.Length || result.Length != modulus.Length || modulus.IsEmpty || (modulus[^1] & 1) == 0 || exponent < 1)
            return false;
        // Same lengths, big-endian: the byte order is the numeric order. BN_mod_exp_mont would reduce a larger value first.
        if (value.SequenceCompareTo(modulus) >= 0)
            return false;

        // The thread's own context: its numbers come from the context's pool, so a call allocates little beyond the
        // Montgomery setup of the modulus (a context per call cost a dozen malloc/free pairs, seen in a profile).
        var context = (t_context ??= Context.Create()).DangerousGetHandle();
        BN_CTX_start(context);
        try
        {
            var r = BN_CTX_get(context);
            var a = BN_CTX_get(context);
            var p = BN_CTX_get(context);
            // Once BN_CTX_get fails, it returns null until BN_CTX_end: the last one answers for all four.
            var m = BN_CTX_get(context);
            if (m == 0
                || BN_bin2bn(ref MemoryMarshal.GetReference(value), value.Length, a) == 0
                || BN_bin2bn(ref MemoryMarshal.GetReference(modulus), modulus.Length, m) == 0
                || BN_set_word(p, (ulong)exponent) != 1
                || BN_mod_exp_mont(r, a, p, m, context, 0) != 1
                || BN_bn2binpad(r, ref MemoryMarshal.GetReference(result), result.Length) != result.Length)
            {
                // The failure left its reasons on this thread's error queue, where .NET's next OpenSSL call would find them.
                ERR_clear_error();
                throw new CryptographicException("OpenSSL's modular exponentiation failed.");
            }
            return true;
        }
        finally
        {
            BN_CTX_end(context);
        }
    }

    [ThreadStatic]
    private static Context? t_context;

    /// <summary>A thread's <c>BN_CTX</c>, freed when the thread is gone and the handle collected.</summary>
    private sealed class Context : SafeHandle
    {
        private Context()
            : base(0, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == 0;

        public static Context Create()
        {
            var context = new Context();
            context.SetHandle(BN_CTX_new());
            if (context.IsInvalid)
                throw new CryptographicException("OpenSSL could not allocate a bignum context.");
            return context;
        }

        protected override bool ReleaseHandle()
        {
            BN_CTX_free(handle);
            return true;
        }
    }

    // 3^5 mod 7 = 5, then 2^65537 mod 1,000,007 against .NET's own arithmetic: the functions are there and do what
    // their names say on this machine.
    private static bool Probe()
    {
        try
        {
            Span<byte> small = stackalloc byte[1];
            if (!ModPow([3], [7], 5, small) || small[0] != 5)
                return false;
            byte[] modulus = [0x0F, 0x42, 0x47];
            Span<byte> result = stackalloc byte[3];
            var expected = System.Numerics.BigInteger.ModPow(2, 65537, 1_000_007);
            return ModPow([0, 0, 2], modulus, 65537, result)
                && new System.Numerics.BigInteger(result, isUnsigned: true, isBigEndian: true) == expected;
        }
        // Not found, or failing (out of memory): the managed arithmetic then verifies. An exception escaping a type
        // initialiser would fail every authentication of the process instead.
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or CryptographicException)
        {
            return false;
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs AllowUnsafeBlocks, which this project does not enable; these signatures only pin bytes and pass plain values.
    [DllImport(Library)]
    private static extern nint BN_CTX_new();

    [DllImport(Library)]
    private static extern void BN_CTX_free(nint context);

    [DllImport(Library)]
    private static extern void BN_CTX_start(nint context);

    [DllImport(Library)]
    private static extern nint BN_CTX_get(nint context);

    [DllImport(Library)]
    private static extern void BN_CTX_end(nint context);

    [DllImport(Library)]
    private static extern nint BN_bin2bn(ref byte bigEndian, int length, nint into);

    [DllImport(Library)]
    private static extern int BN_bn2binpad(nint number, ref byte bigEndian, int length);

    // BN_ULONG is 64 bits on the 64-bit builds this runs on.
    [DllImport(Library)]
    private static extern int BN_set_word(nint number, ulong word);

    [DllImport(Library)]
    private static extern void ERR_clear_error();

    [DllImport(Library)]
    private static extern int BN_mod_exp_mont(nint result, nint value, nint exponent, nint modulus, nint context, nint montgomery);
#pragma warning restore SYSLIB1054
}
