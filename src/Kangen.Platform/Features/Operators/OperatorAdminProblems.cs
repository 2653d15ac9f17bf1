using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Operators;

/// <summary>The codes of operator onboarding and key management (<c>operators.*</c>) and of link suspension (<c>links.*</c>).</summary>
public static class OperatorAdminProblems
{
    /// <summary>A malformed body or value.</summary>
    public static PlatformProblem RequestInvalid(string field, string detail) => new("operators.request-invalid", StatusCodes.Status400BadRequest,
        "入力内容が正しくありません。", "输入内容不正确。", "The request is incomplete or malformed.", detail, field);

    /// <summary>The code is not an operator of the service catalogue.</summary>
    public static PlatformProblem CodeUnknown(string? code) => new("operators.code-unknown", StatusCodes.Status400BadRequest,
        "サービス一覧にない事業者コードです。", "服务目录中没有该事业者代码。", "The code is not an operator of the service catalogue.",
        $"'{code}' runs no service of the catalogue", "code");

    /// <summary>The operator is registered already.</summary>
    public static PlatformProblem AlreadyRegistered(string code) => new("operators.already-registered", StatusCodes.Status409Conflict,
        "この事業者は登録済みです。", "该事业者已登记。", "The operator is registered already.", $"'{code}' is registered; change it with PATCH", "code");

    /// <summary>No registered operator with this code.</summary>
    public static PlatformProblem NotRegistered(string code) => new("operators.not-registered", StatusCodes.Status404NotFound,
        "この事業者は登録されていません。", "该事业者未登记。", "No operator is registered with this code.", $"'{code}'");

    /// <summary>The public key is unusable.</summary>
    public static PlatformProblem KeyInvalid(string reason) => new("operators.key-invalid", StatusCodes.Status400BadRequest,
        "公開鍵が正しくありません（P-256 の PEM 公開鍵が必要です）。", "公钥不正确（需要 P-256 的 PEM 公钥）。", "The public key is not a P-256 public key in PEM.",
        reason, "publicKeyPem");

    /// <summary>The key is registered already (to this or another operator, active or revoked).</summary>
    public static PlatformProblem KeyRegistered(string keyId) => new("operators.key-registered", StatusCodes.Status409Conflict,
        "この鍵は既に登録されています。新しい鍵を作成してください。", "该密钥已登记，请生成新的密钥。", "This key is registered already; make a new key.",
        $"key {keyId} exists (a revoked key never comes back)", "publicKeyPem");

    /// <summary>No such key of the operator.</summary>
    public static PlatformProblem KeyNotFound(string keyId) => new("operators.key-not-found", StatusCodes.Status404NotFound,
        "この鍵は見つかりません。", "找不到该密钥。", "The operator has no key with this id.", $"'{keyId}'");

    /// <summary>Revoking the operator's last active key would lock it out.</summary>
    public static PlatformProblem LastKey(string keyId) => new("operators.last-key", StatusCodes.Status409Conflict,
        "最後の有効な鍵は失効できません。先に新しい鍵を追加してください。", "不能吊销最后一个有效密钥，请先添加新密钥。",
        "The last active key cannot be revoked; add a new key first.", $"{keyId} is the only active key");

    /// <summary>A malformed link change.</summary>
    public static PlatformProblem LinkRequestInvalid(string field, string detail) => new("links.request-invalid", StatusCodes.Status400BadRequest,
        "入力内容が正しくありません。", "输入内容不正确。", "The request is incomplete or malformed.", detail, field);

    /// <summary>No person holds the My Key ID.</summary>
    public static readonly PlatformProblem PersonUnknown = new("links.person-unknown", StatusCodes.Status404NotFound,
        "このマイキーIDの利用者は見つかりません。", "找不到该 My Key ID 的用户。", "No person holds this My Key ID.", null, "myKeyId");

    /// <summary>The person's links are suspended already.</summary>
    public static PlatformProblem AlreadySuspended(string reason) => new("links.already-suspended", StatusCodes.Status409Conflict,
        "この利用者の連携は既に停止されています。", "该用户的关联已被停止。", "The person's links are suspended already.", $"suspended for {reason}");

    /// <summary>The person's links are not suspended.</summary>
    public static readonly PlatformProblem NotSuspended = new("links.not-suspended", StatusCodes.Status409Conflict,
        "この利用者の連携は停止されていません。", "该用户的关联未被停止。", "The person's links are not suspended.");
}
