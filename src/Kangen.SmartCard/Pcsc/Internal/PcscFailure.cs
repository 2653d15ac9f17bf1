namespace Kangen.SmartCard.Internal;

/// <summary>Turns pcsc-lite result codes into <see cref="SmartCardException"/>s with readable messages.</summary>
internal static class PcscFailure
{
    public static void ThrowIfError(string operation, long result)
    {
        if (result != PcscErrors.Success)
            throw Create(operation, result);
    }

    public static SmartCardException Create(string operation, long result)
    {
        var (_, _, transient) = PcscErrors.Describe(result);
        return new SmartCardException(PcscErrors.Message(operation, result), transient) { Data = { ["PcscError"] = result } };
    }
}
