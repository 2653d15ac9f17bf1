using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Operators;

/// <summary>The codes of the operator API's authentication and request reading (docs/operators.md lists all codes).</summary>
public static class OperatorProblems
{
    /// <summary>No signature headers.</summary>
    public static readonly PlatformProblem CredentialRequired = new("operator.credential-required", StatusCodes.Status401Unauthorized,
        "事業者の署名付きリクエストが必要です。", "需要支付事业者签名的请求。", "A signed operator request is required (Kangen-Key-Id, Kangen-Timestamp, Content-Digest, Kangen-Signature).");

    /// <summary>Malformed or wrong signature.</summary>
    public static readonly PlatformProblem SignatureInvalid = new("operator.signature-invalid", StatusCodes.Status401Unauthorized,
        "リクエストの署名が正しくありません。", "请求签名不正确。", "The request signature is not valid.");

    /// <summary>The timestamp is too far from the platform's clock.</summary>
    public static readonly PlatformProblem TimestampStale = new("operator.timestamp-stale", StatusCodes.Status401Unauthorized,
        "リクエストの時刻が許容範囲外です。時計を確認してください。", "请求时间超出允许范围，请检查时钟。", "The request's timestamp is more than 5 minutes from the platform's clock.");

    /// <summary>Unknown or revoked key.</summary>
    public static readonly PlatformProblem KeyUnknown = new("operator.key-unknown", StatusCodes.Status401Unauthorized,
        "この鍵は登録されていないか、失効しています。", "该密钥未登记或已失效。", "The key is not registered or has been revoked.");

    /// <summary>The operator is suspended.</summary>
    public static readonly PlatformProblem Suspended = new("operator.suspended", StatusCodes.Status403Forbidden,
        "この事業者は停止されています。", "该事业者已被停用。", "The operator is suspended.");

    /// <summary>The body does not match the signed digest.</summary>
    public static readonly PlatformProblem DigestMismatch = new("operator.digest-mismatch", StatusCodes.Status400BadRequest,
        "本文が署名されたダイジェストと一致しません。", "正文与签名的摘要不一致。", "The body does not match the signed Content-Digest.");

    /// <summary>The body is larger than the route allows.</summary>
    public static readonly PlatformProblem BodyTooLarge = new("operator.body-too-large", StatusCodes.Status413PayloadTooLarge,
        "本文が大きすぎます。", "正文过大。", "The body is too large.");

    /// <summary>The body or query is not what the route expects.</summary>
    public static readonly PlatformProblem RequestInvalid = new("operator.request-invalid", StatusCodes.Status400BadRequest,
        "リクエストの内容が正しくありません。", "请求内容不正确。", "The request is not valid.");
}
