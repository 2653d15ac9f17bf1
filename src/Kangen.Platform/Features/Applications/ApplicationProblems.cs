using Kangen.Platform.Problems;
using Kangen.Rules;

namespace Kangen.Platform.Features.Applications;

/// <summary>The stable codes of account verification and applying, with their messages.</summary>
public static class ApplicationProblems
{
    /// <summary>The request body is missing a field or a field is malformed.</summary>
    public static PlatformProblem RequestInvalid(string field, string detail) => new(
        "application.request-invalid", StatusCodes.Status400BadRequest,
        "お申込みの内容が正しくありません。",
        "申请内容不正确。",
        "The application request is incomplete or malformed.", detail, field);

    /// <summary>No such payment service.</summary>
    public static PlatformProblem ServiceUnknown(string? code) => new(
        "application.service-unknown", StatusCodes.Status422UnprocessableEntity,
        "その決済サービスは取り扱っていません。",
        "不支持该支付服务。",
        "There is no such payment service.", $"'{code}'", "service");

    /// <summary>The service does not take one of the programs.</summary>
    public static PlatformProblem ProgramNotOffered(string service, string program) => new(
        "application.program-not-offered", StatusCodes.Status422UnprocessableEntity,
        "この決済サービスでは、選んだポイントの申込みを受け付けていません。",
        "该支付服务不受理所选积分的申请。",
        "This payment service does not take applications for the chosen program.", $"{service} does not offer {program}", "programs");

    /// <summary>The terms accepted are not the version in force.</summary>
    public static PlatformProblem TermsNotCurrent(string? accepted, string current) => new(
        "application.terms-not-current", StatusCodes.Status422UnprocessableEntity,
        "利用規約が更新されています。最新の規約を確認して同意してください。",
        "使用条款已更新，请阅读并同意最新条款。",
        "The terms have changed: read and accept the version in force.", $"accepted '{accepted}', in force '{current}'", "termsVersion");

    /// <summary>The verification token is not one this platform issued, or was altered.</summary>
    public static readonly PlatformProblem VerificationInvalid = new(
        "application.verification-invalid", StatusCodes.Status422UnprocessableEntity,
        "決済サービスの確認結果が無効です。もう一度アカウントを確認してください。",
        "支付服务的确认结果无效，请重新确认账户。",
        "The account verification is not valid here. Verify the account again.", Field: "verification");

    /// <summary>The verification token has expired.</summary>
    public static readonly PlatformProblem VerificationExpired = new(
        "application.verification-expired", StatusCodes.Status422UnprocessableEntity,
        "決済サービスの確認から時間が経ちすぎました。もう一度アカウントを確認してください。",
        "距支付服务确认已超时，请重新确认账户。",
        "The account verification has expired. Verify the account again.", Field: "verification");

    /// <summary>The operator did not confirm the account.</summary>
    public static PlatformProblem AccountNotVerified(string reason) => new(
        "application.account-not-verified", StatusCodes.Status422UnprocessableEntity,
        "決済サービス事業者がアカウントを確認できませんでした。決済サービスIDとセキュリティコードを確かめてください。",
        "支付服务运营商无法确认该账户，请核对支付服务ID和安全码。",
        "The operator could not confirm the account. Check the payment service ID and the security codes.", reason, "fields");

    /// <summary>The operator is unreachable: try again later; nothing was recorded.</summary>
    public static PlatformProblem OperatorUnavailable(string detail) => new(
        "application.operator-unavailable", StatusCodes.Status503ServiceUnavailable,
        "決済サービス事業者に接続できません。しばらくしてからもう一度お試しください（お申込みは記録されていません）。",
        "暂时无法连接支付服务运营商，请稍后重试（申请尚未记录）。",
        "The payment operator cannot be reached. Try again later; nothing was recorded.", detail);

    /// <summary>Too many account verifications in a short time.</summary>
    public static readonly PlatformProblem VerifyRateLimited = new(
        "application.verify-rate-limited", StatusCodes.Status429TooManyRequests,
        "短時間に確認を繰り返しています。しばらくしてからお試しください。",
        "短时间内确认次数过多，请稍后再试。",
        "Too many account verifications in a short time. Try again later.");

    /// <summary>A card's signature over the statement does not verify.</summary>
    public static PlatformProblem SignatureInvalid(string field) => new(
        "application.signature-invalid", StatusCodes.Status401Unauthorized,
        "カードの署名を確認できませんでした。もう一度カードで確認してください。",
        "无法验证卡的签名，请再次用卡确认。",
        "The card's signature over the application does not verify. Confirm with the card again.", Field: field);

    /// <summary>The person of a card is not the one the account was verified for.</summary>
    public static readonly PlatformProblem VerificationForSomeoneElse = new(
        "application.verification-mismatch", StatusCodes.Status422UnprocessableEntity,
        "アカウントの確認を行った方と、申込みを行う方が異なります。",
        "确认账户的人与提交申请的人不一致。",
        "The account was verified by someone else, or for another kind of application.", Field: "verification");

    /// <summary>A representative's application needs the child's signing certificate (its birth date gives the age band).</summary>
    public static readonly PlatformProblem AgeProofRequired = new(
        "application.age-proof-required", StatusCodes.Status422UnprocessableEntity,
        "お子さまの分のお申込みには、お子さまのカードの署名用電子証明書（生年月日）が必要です。",
        "为子女申请时，需要子女卡上的签名用电子证书（出生日期）。",
        "An application for a child needs the child's signing certificate (its birth date gives the age band).", Field: "ageProof");

    /// <summary>The signing certificate is not valid or does not sign the statement.</summary>
    public static PlatformProblem AgeProofInvalid(string detail) => new(
        "application.age-proof-invalid", StatusCodes.Status422UnprocessableEntity,
        "署名用電子証明書を確認できませんでした。",
        "无法验证签名用电子证书。",
        "The signing certificate could not be verified.", detail, "ageProof");

    /// <summary>A representative and the applicant are the same person.</summary>
    public static readonly PlatformProblem RepresentativeIsApplicant = new(
        "application.representative-is-applicant", StatusCodes.Status422UnprocessableEntity,
        "法定代理人とお子さまのカードが同じです。",
        "法定代理人与子女使用的是同一张卡。",
        "The representative's card and the child's card belong to the same person.", Field: "representative");

    /// <summary>The idempotency key was used before for a different request.</summary>
    public static readonly PlatformProblem IdempotencyKeyReused = new(
        "application.idempotency-key-reused", StatusCodes.Status422UnprocessableEntity,
        "同じ再送キーで別の内容が送られました。",
        "同一幂等键提交了不同的内容。",
        "This Idempotency-Key was used for a different application.", Field: "Idempotency-Key");

    /// <summary>A rule refuses the application: the rule's own code and messages.</summary>
    public static PlatformProblem Refused(RuleViolation violation, string? program = null)
    {
        ArgumentNullException.ThrowIfNull(violation);
        var code = violation.Code;
        var status = code.Code is "application.already-exists" or "application.account-taken" or "application.service-fixed" or "application.immutable"
            ? StatusCodes.Status409Conflict
            : StatusCodes.Status422UnprocessableEntity;
        var detail = program is null ? violation.Detail : $"{program}: {violation.Detail}";
        return new PlatformProblem(code.Code, status, code.Ja, code.Zh, code.En, detail, violation.Path);
    }
}
