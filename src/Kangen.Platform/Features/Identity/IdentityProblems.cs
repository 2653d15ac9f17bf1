using Kangen.Platform.Features.Identity.Certificates;
using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Identity;

/// <summary>The stable codes of card authentication and sessions, with their messages.</summary>
public static class IdentityProblems
{
    private const int Bad = StatusCodes.Status400BadRequest;
    private const int Unauthorized = StatusCodes.Status401Unauthorized;

    /// <summary>The request body is missing a field or a field is not what it should be.</summary>
    public static PlatformProblem RequestInvalid(string field, string detail) => new(
        "auth.request-invalid", Bad,
        "リクエストの内容が正しくありません。",
        "请求内容不正确。",
        "The request is incomplete or malformed.", detail, field);

    /// <summary>An unknown challenge purpose was asked for.</summary>
    public static PlatformProblem PurposeInvalid(string? value) => new(
        "auth.purpose-invalid", Bad,
        "チャレンジの用途が正しくありません（session または application）。",
        "挑战用途无效（session 或 application）。",
        "Unknown challenge purpose (session or application).", $"'{value}'", "purpose");

    /// <summary>The challenge was not issued by this platform or was altered.</summary>
    public static readonly PlatformProblem ChallengeInvalid = new(
        "auth.challenge-invalid", Unauthorized,
        "チャレンジが正しくありません。新しいチャレンジを取得してください。",
        "挑战无效，请重新获取挑战。",
        "The challenge is not one this platform issued. Get a new challenge.", Field: "challenge");

    /// <summary>The challenge's expiry has passed.</summary>
    public static readonly PlatformProblem ChallengeExpired = new(
        "auth.challenge-expired", Unauthorized,
        "チャレンジの有効期限が切れました。もう一度やり直してください。",
        "挑战已过期，请重试。",
        "The challenge has expired. Start again.", Field: "challenge");

    /// <summary>The challenge was issued for another purpose.</summary>
    public static readonly PlatformProblem ChallengeWrongPurpose = new(
        "auth.challenge-wrong-purpose", Unauthorized,
        "このチャレンジは別の用途のものです。",
        "该挑战用于其他用途。",
        "The challenge was issued for another purpose.", Field: "challenge");

    /// <summary>The challenge has been used already (a replay).</summary>
    public static readonly PlatformProblem ChallengeUsed = new(
        "auth.challenge-used", Unauthorized,
        "このチャレンジは使用済みです。新しいチャレンジを取得してください。",
        "该挑战已被使用，请重新获取挑战。",
        "The challenge has already been used. Get a new challenge.", Field: "challenge");

    /// <summary>The card's signature does not verify over the challenge with the certificate's key.</summary>
    public static readonly PlatformProblem SignatureInvalid = new(
        "auth.signature-invalid", Unauthorized,
        "カードの署名を確認できませんでした。",
        "无法验证卡片的签名。",
        "The card's signature over the challenge does not verify.", Field: "signature");

    /// <summary>A certificate refusal from the verifier, by its code (messages from <see cref="CertificateErrorCodes"/>).</summary>
    public static PlatformProblem Certificate(string code, string? detail)
    {
        var (ja, zh, en) = CertificateErrorCodes.Message(code);
        var status = code == CertificateErrorCodes.Malformed ? Bad : Unauthorized;
        return new(code, status, ja, zh, en, detail, "certificate");
    }

    /// <summary>A protected endpoint was called without a session token.</summary>
    public static readonly PlatformProblem SessionRequired = new(
        "auth.session-required", Unauthorized,
        "マイナンバーカードでログインしてください。",
        "请使用个人编号卡登录。",
        "Sign in with the My Number Card first (Authorization: Bearer <session token>).");

    /// <summary>The token is unknown or its session was ended.</summary>
    public static readonly PlatformProblem SessionInvalid = new(
        "auth.session-invalid", Unauthorized,
        "ログインが無効です。もう一度ログインしてください。",
        "登录无效，请重新登录。",
        "The session is unknown or has been ended. Sign in again.");

    /// <summary>The session's short lifetime has passed.</summary>
    public static readonly PlatformProblem SessionExpired = new(
        "auth.session-expired", Unauthorized,
        "ログインの有効期限が切れました。もう一度ログインしてください。",
        "登录已过期，请重新登录。",
        "The session has expired. Sign in again.");
}
