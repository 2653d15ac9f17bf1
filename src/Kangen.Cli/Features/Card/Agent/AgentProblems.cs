using Kangen.SmartCard;
using Microsoft.AspNetCore.Http;

namespace Kangen.Cli.Features.Card.Agent;

/// <summary>
/// Every failure the agent answers, as ProblemDetails with a stable <c>code</c> (and <c>messages</c>
/// in ja / zh / en for the page to show). Mapped here, in one place.
/// </summary>
internal static class AgentProblems
{
    public static IResult PinWrong(string id, int triesLeft) => Problem(
        StatusCodes.Status422UnprocessableEntity, "card.pin-wrong", "The PIN is wrong.",
        $"The card refused the PIN; {triesLeft} tries left before it is blocked.",
        ($"暗証番号が違います。残り{triesLeft}回で利用できなくなります。", $"密码错误。还剩 {triesLeft} 次机会，之后将被锁定。", $"Wrong PIN. {triesLeft} tries left before the card is blocked."),
        id, ("triesLeft", triesLeft));

    public static IResult PinBlocked(string id) => Problem(
        StatusCodes.Status423Locked, "card.pin-blocked", "The PIN is blocked.",
        "The user-authentication PIN is blocked; it can only be reset at the municipal office.",
        ("暗証番号がロックされています。市区町村の窓口で初期化してください。", "密码已被锁定。请到市区町村窗口重置。", "The PIN is blocked. Have it reset at your municipal office."),
        id, ("triesLeft", 0));

    public static IResult PinFormat() => Problem(
        StatusCodes.Status400BadRequest, "card.pin-format", "The PIN must be 4 digits.",
        "The user-authentication PIN is 4 digits; nothing was sent to the card and no try was used.",
        ("暗証番号は数字4桁です。", "密码为4位数字。", "The PIN is 4 digits."), null);

    public static IResult SigningPasswordWrong(string id, int triesLeft) => Problem(
        StatusCodes.Status422UnprocessableEntity, "card.signing-password-wrong", "The signing password is wrong.",
        $"The card refused the signing password; {triesLeft} tries left before it is blocked.",
        ($"署名用電子証明書のパスワードが違います。残り{triesLeft}回で利用できなくなります。", $"签名用电子证书的密码错误。还剩 {triesLeft} 次机会，之后将被锁定。",
            $"Wrong signing password. {triesLeft} tries left before it is blocked."),
        id, ("triesLeft", triesLeft));

    public static IResult SigningPasswordBlocked(string id) => Problem(
        StatusCodes.Status423Locked, "card.signing-password-blocked", "The signing password is blocked.",
        "The signing password is blocked; it can only be reset at the municipal office.",
        ("署名用電子証明書のパスワードがロックされています。市区町村の窓口で初期化してください。", "签名用电子证书的密码已被锁定。请到市区町村窗口重置。",
            "The signing password is blocked. Have it reset at your municipal office."),
        id, ("triesLeft", 0));

    public static IResult SigningPasswordFormat() => Problem(
        StatusCodes.Status400BadRequest, "card.signing-password-format", "The signing password must be 6-16 capital letters and digits.",
        "The signing password is 6 to 16 of A-Z and 0-9 with at least one of each; nothing was sent to the card and no try was used.",
        ("署名用電子証明書のパスワードは英大文字と数字を組み合わせた6～16文字です。", "签名用电子证书的密码为6～16位大写英文字母与数字的组合。",
            "The signing password is 6 to 16 capital letters and digits (at least one of each)."), null);

    public static IResult Absent(string id, string? detail = null) => Problem(
        StatusCodes.Status409Conflict, "card.absent", "No card.",
        detail ?? "There is no card in the reader (or the card file does not exist).",
        ("カードが見つかりません。カードリーダーにカードを置いてください。", "未检测到卡片。请将卡片放在读卡器上。", "No card found. Put the card on the reader."),
        id);

    public static IResult Busy(string id) => Problem(
        StatusCodes.Status409Conflict, "card.busy", "The card is busy.",
        "Another operation on this card did not finish in time; try again.",
        ("カードは他の処理で使用中です。もう一度お試しください。", "卡片正被其他操作使用，请重试。", "The card is busy with another operation. Try again."),
        id);

    public static IResult UnknownCard(string id) => Problem(
        StatusCodes.Status404NotFound, "card.unknown", "No such card.",
        $"The agent offers no card '{id}'; GET /v1/cards lists them.",
        ("指定されたカードはありません。", "没有指定的卡片。", "No such card."), id);

    public static IResult CardError(string id, SmartCardException e) => Problem(
        StatusCodes.Status502BadGateway, "card.error", "The card refused the operation.",
        $"{e.Message} (SW {e.StatusWord:X4})",
        ("カードの処理に失敗しました。", "卡片处理失败。", "The card could not complete the operation."),
        id, ("statusWord", $"{e.StatusWord:X4}"));

    public static IResult CardFileDamaged(string id, string detail) => Problem(
        StatusCodes.Status500InternalServerError, "card.file-damaged", "The card file is damaged.", detail,
        ("カードファイルが壊れています。", "卡片文件已损坏。", "The card file is damaged."), id);

    public static IResult BadRequest(string detail) => Problem(
        StatusCodes.Status400BadRequest, "request.invalid", "The request is malformed.", detail,
        ("リクエストの形式が正しくありません。", "请求格式不正确。", "The request is malformed."), null);

    public static IResult OriginRefused(string origin) => Problem(
        StatusCodes.Status403Forbidden, "agent.origin-refused", "This web page may not use the card agent.",
        $"Origin '{origin}' is not in the agent's allow-list (kangen card agent --allow-origin ...).",
        ("このウェブページからはカードを利用できません。", "此网页无权使用读卡代理。", "This web page is not allowed to use your card."), null);

    public static IResult HostRefused(string host) => Problem(
        StatusCodes.Status403Forbidden, "agent.host-refused", "The agent answers only on 127.0.0.1.",
        $"Host '{host}' is not a loopback name.",
        ("このアドレスでは応答しません。", "不响应此地址。", "The agent answers only on 127.0.0.1."), null);

    private static IResult Problem(int status, string code, string title, string detail, (string Ja, string Zh, string En) messages, string? cardId,
        params (string Key, object Value)[] extra)
    {
        var extensions = new Dictionary<string, object?>
        {
            ["code"] = code,
            ["messages"] = new Dictionary<string, string> { ["ja"] = messages.Ja, ["zh"] = messages.Zh, ["en"] = messages.En },
        };
        if (cardId is not null)
            extensions["cardId"] = cardId;
        foreach (var (key, value) in extra)
            extensions[key] = value;
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, type: $"https://kangen.invalid/problems/{code}", extensions: extensions);
    }
}
