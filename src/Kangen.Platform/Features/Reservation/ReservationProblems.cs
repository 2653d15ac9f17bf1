using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Reservation;

/// <summary>The stable codes of My Key ID changes, with their messages.</summary>
public static class ReservationProblems
{
    /// <summary>How many times a person may regenerate a random My Key ID.</summary>
    public const int MaxRegenerations = 3;

    /// <summary>The chosen ID is not 8 characters of A-Z 0-9.</summary>
    public static PlatformProblem MyKeyIdInvalid(string? value) => new(
        "reservation.my-key-id-invalid", StatusCodes.Status400BadRequest,
        "マイキーIDは英大文字と数字の8文字で指定してください。",
        "My Key ID 必须是8位大写英文字母和数字。",
        "A My Key ID is 8 characters of A-Z and 0-9.", value is null ? "missing" : $"'{value}'", "myKeyId");

    /// <summary>Someone else holds the chosen ID.</summary>
    public static PlatformProblem MyKeyIdTaken(string value) => new(
        "reservation.my-key-id-taken", StatusCodes.Status409Conflict,
        "このマイキーIDは既に使われています。別のIDを指定してください。",
        "该 My Key ID 已被使用，请指定其他 ID。",
        "This My Key ID is already taken. Choose another.", $"'{value}'", "myKeyId");

    /// <summary>All regenerations have been used.</summary>
    public static readonly PlatformProblem RegenerationLimit = new(
        "reservation.regeneration-limit", StatusCodes.Status409Conflict,
        $"マイキーIDの再発行は{MaxRegenerations}回までです。",
        $"My Key ID 最多只能重新生成{MaxRegenerations}次。",
        $"A My Key ID can be regenerated at most {MaxRegenerations} times.");
}
