namespace Kangen.Rules;

/// <summary>The catalogue of every rule code. Codes are stable; messages may be improved.</summary>
public static class RuleCodes
{
    // Campaign files.

    /// <summary>The campaign file is malformed (not JSON, wrong type, missing or unknown value).</summary>
    public static readonly RuleCode CampaignInvalid = Refusal("campaign.invalid",
        "キャンペーン定義ファイルが正しくありません。",
        "活动定义文件无效。",
        "The campaign file is invalid.");

    /// <summary>The file's schemaVersion is not one this library reads.</summary>
    public static readonly RuleCode CampaignUnsupportedSchema = Refusal("campaign.unsupported-schema",
        "対応していないキャンペーン定義ファイルの形式です。",
        "不支持该活动定义文件的格式版本。",
        "The campaign file's schema version is not supported.");

    /// <summary>A program kind is not one of the three parts.</summary>
    public static readonly RuleCode CampaignUnknownProgramKind = Refusal("campaign.unknown-program-kind",
        "不明なポイント事業の種類です。",
        "未知的积分项目类型。",
        "The program kind is unknown.");

    /// <summary>The same program kind appears twice.</summary>
    public static readonly RuleCode CampaignDuplicateProgram = Refusal("campaign.duplicate-program",
        "同じポイント事業が複数回定義されています。",
        "同一积分项目被重复定义。",
        "The same program is defined more than once.");

    /// <summary>An amount or rate is negative, zero where it must be positive, or not whole yen.</summary>
    public static readonly RuleCode CampaignInvalidAmount = Refusal("campaign.invalid-amount",
        "金額または還元率が正しくありません（負の値、または整数でない円）。",
        "金额或返还比例无效（为负数或不是整日元）。",
        "An amount or rate is invalid (negative, or not whole yen).");

    /// <summary>A window or period ends before it starts.</summary>
    public static readonly RuleCode CampaignWindowInverted = Refusal("campaign.window-inverted",
        "期間の終了日が開始日より前になっています。",
        "期间的结束日期早于开始日期。",
        "A period ends before it starts.");

    /// <summary>A program cap is above the campaign total.</summary>
    public static readonly RuleCode CampaignCapAboveTotal = Refusal("campaign.cap-above-total",
        "事業ごとの上限が全体の上限を超えています。",
        "单个项目的上限超过了总上限。",
        "A program cap is above the campaign total.");

    /// <summary>An amendment has no effective instant.</summary>
    public static readonly RuleCode CampaignAmendmentWithoutEffective = Refusal("campaign.amendment-without-effective",
        "変更に適用日時がありません。",
        "变更缺少生效时间。",
        "An amendment has no effective instant.");

    /// <summary>Amendments are not in increasing version and effective order.</summary>
    public static readonly RuleCode CampaignAmendmentOutOfOrder = Refusal("campaign.amendment-out-of-order",
        "変更の版数または適用日時が順番どおりではありません。",
        "变更的版本号或生效时间没有按顺序递增。",
        "Amendments are not in increasing version and effective order.");

    /// <summary>The time zone id is unknown on this host.</summary>
    public static readonly RuleCode CampaignUnknownTimeZone = Refusal("campaign.unknown-time-zone",
        "不明なタイムゾーンです。",
        "未知的时区。",
        "The time zone is unknown.");

    // Eligibility.

    /// <summary>The person holds no My Number Card at the instant.</summary>
    public static readonly RuleCode EligibilityCardNotHeld = Refusal("eligibility.card-not-held",
        "マイナンバーカードをお持ちでないため、対象外です。",
        "您尚未持有个人编号卡，因此不符合条件。",
        "No My Number Card is held, so the person is not eligible.");

    /// <summary>The card was applied for after the card-application deadline in force.</summary>
    public static readonly RuleCode EligibilityCardAppliedTooLate = Refusal("eligibility.card-applied-too-late",
        "マイナンバーカードの申請が申請期限を過ぎているため、対象外です。",
        "个人编号卡的申请晚于申请截止日期，因此不符合条件。",
        "The card was applied for after the card-application deadline, so the person is not eligible.");

    /// <summary>The person received the full Phase 1 amount and is excluded from part 1.</summary>
    public static readonly RuleCode EligibilityPhase1FullyGranted = Refusal("eligibility.phase1-fully-granted",
        "第1弾で上限の5,000円分を受け取っているため、カード取得のポイントは対象外です。",
        "您已在第1轮领取了上限相当于5,000日元的积分，因此不能获得领取卡片的积分。",
        "The full Phase 1 amount was already received, so the card-acquisition points are not available.");

    /// <summary>The Phase 1 history given is impossible under the Phase 1 rules.</summary>
    public static readonly RuleCode EligibilityPhase1Inconsistent = Refusal("eligibility.phase1-inconsistent",
        "第1弾の申込み・受取りの記録が第1弾のルールと矛盾しています。",
        "第1轮的申请或领取记录与第1轮的规则不符。",
        "The Phase 1 history contradicts the Phase 1 rules (applied outside its period or received above its cap).");

    /// <summary>The program's application window has not opened yet.</summary>
    public static readonly RuleCode EligibilityWindowNotOpen = Refusal("eligibility.window-not-open",
        "申込み受付はまだ始まっていません。",
        "尚未开始受理申请。",
        "The application window has not opened yet.");

    /// <summary>The program's application window has closed.</summary>
    public static readonly RuleCode EligibilityWindowClosed = Refusal("eligibility.window-closed",
        "申込み期限を過ぎています。",
        "已超过申请截止日期。",
        "The application window has closed.");

    /// <summary>The chosen payment service closed earlier than the campaign.</summary>
    public static readonly RuleCode EligibilityServiceClosed = Refusal("eligibility.service-closed",
        "選択した決済サービスの受付は終了しています。",
        "所选支付服务的受理已经结束。",
        "The chosen payment service has stopped taking part.");

    /// <summary>The registration the program rewards has not been done by the instant.</summary>
    public static readonly RuleCode EligibilityRegistrationMissing = Refusal("eligibility.registration-missing",
        "対象となる登録（健康保険証利用または公金受取口座）がまだ完了していません。",
        "对象登记（作为健康保险证使用或公共资金领取账户）尚未完成。",
        "The registration this program rewards (health insurance use or public-fund account) is not done yet.");

    /// <summary>Note: a Phase 1 applicant with less than the cap continues earning on the Phase 1 service.</summary>
    public static readonly RuleCode EligibilityPhase1Carryover = Note("eligibility.phase1-carryover",
        "第1弾の申込み済みの方は、新たな申込みなしで第1弾で選んだ決済サービスにより合計5,000円分まで引き続き獲得できます。",
        "已申请第1轮的人士无需重新申请，可继续通过第1轮所选的支付服务获得合计最多相当于5,000日元的积分。",
        "A Phase 1 applicant keeps earning up to the cap in total with the Phase 1 payment service, without a new application.");

    /// <summary>Note: the registration was made before the campaign window; it still counts, but the person must apply.</summary>
    public static readonly RuleCode EligibilityRegisteredBeforeCampaign = Note("eligibility.registered-before-campaign",
        "キャンペーン開始前に登録済みの方も対象です（ポイントの申込みは必要です）。",
        "在活动开始前已完成登记的人士也符合条件（仍需申请积分）。",
        "A registration made before the campaign counts; the person must still apply for the points.");

    // Applications.

    /// <summary>The person already has an application in this campaign.</summary>
    public static readonly RuleCode ApplicationAlreadyExists = Refusal("application.already-exists",
        "このキャンペーンには既にお申込み済みです。お申込みは1人1回です。",
        "您已申请过本活动。每人仅可申请一次。",
        "An application already exists for this person in this campaign; one application per person.");

    /// <summary>A recorded application cannot be changed.</summary>
    public static readonly RuleCode ApplicationImmutable = Refusal("application.immutable",
        "お申込みの内容は変更できません。",
        "申请内容提交后无法更改。",
        "A recorded application cannot be changed.");

    /// <summary>The payment service chosen at application cannot be changed.</summary>
    public static readonly RuleCode ApplicationServiceFixed = Refusal("application.service-fixed",
        "お申込み後に決済サービスを変更することはできません。",
        "申请后无法更改所选的支付服务。",
        "The payment service chosen at application cannot be changed.");

    /// <summary>A child under 15 must be applied for by the legal representative.</summary>
    public static readonly RuleCode ApplicationRepresentativeRequired = Refusal("application.representative-required",
        "15歳未満の方のお申込みは、法定代理人が行う必要があります。",
        "未满15周岁者需由法定代理人办理申请。",
        "An applicant under 15 must be applied for by the legal representative.");

    /// <summary>A representative applying for a child aged 15-17 needs the child present.</summary>
    public static readonly RuleCode ApplicationChildMustBePresent = Refusal("application.child-must-be-present",
        "15歳以上18歳未満の方を法定代理人が申し込む場合は、ご本人の同席が必要です。",
        "法定代理人为15至17周岁者申请时，本人须在场。",
        "A legal representative applying for a child aged 15-17 needs the child present.");

    /// <summary>An adult ward must be applied for by the guardian.</summary>
    public static readonly RuleCode ApplicationGuardianRequired = Refusal("application.guardian-required",
        "成年被後見人の方のお申込みは、成年後見人が行う必要があります。",
        "成年被监护人的申请须由成年监护人办理。",
        "An adult ward must be applied for by the guardian.");

    /// <summary>The actor may not apply for this person (e.g. a representative for an adult who is not a ward).</summary>
    public static readonly RuleCode ApplicationActorNotAllowed = Refusal("application.actor-not-allowed",
        "この方のお申込みを代理で行うことはできません。",
        "不能代替此人办理申请。",
        "This actor may not apply on this person's behalf.");

    /// <summary>The account chosen for a child or ward is the representative's own.</summary>
    public static readonly RuleCode ApplicationAccountSameAsRepresentative = Refusal("application.account-same-as-representative",
        "お子さま等の分には、法定代理人ご自身の分とは別の決済サービスのアカウントを選んでください。",
        "为子女等申请时，须选择与法定代理人本人所用不同的支付服务账户。",
        "The account for a child or ward must differ from the one the representative uses for themselves.");

    /// <summary>The payment service account already receives another person's points.</summary>
    public static readonly RuleCode ApplicationAccountTaken = Refusal("application.account-taken",
        "この決済サービスのアカウントは既に別の方のお申込みに使われています。",
        "该支付服务账户已被用于其他人的申请。",
        "This payment service account is already used by another person's application.");

    // Grants.

    /// <summary>The grant would exceed the program's cap.</summary>
    public static readonly RuleCode GrantExceedsCap = Refusal("grant.exceeds-cap",
        "この事業のポイント上限を超えるため、超過分は付与できません。",
        "超过该项目的积分上限，超出部分无法发放。",
        "The grant exceeds the program's cap; the excess cannot be granted.");

    /// <summary>The grant would exceed the campaign total per person.</summary>
    public static readonly RuleCode GrantExceedsTotal = Refusal("grant.exceeds-total",
        "1人あたりの合計上限（20,000円分）を超えるため、超過分は付与できません。",
        "超过每人合计上限（相当于20,000日元），超出部分无法发放。",
        "The grant exceeds the per-person total; the excess cannot be granted.");

    /// <summary>The person is not eligible for the program at the grant instant.</summary>
    public static readonly RuleCode GrantNotEligible = Refusal("grant.not-eligible",
        "この事業のポイント付与の対象ではありません。",
        "不符合该项目的积分发放条件。",
        "The person is not eligible for this program's points.");

    /// <summary>The proposed points are zero or negative.</summary>
    public static readonly RuleCode GrantNotPositive = Refusal("grant.not-positive",
        "付与するポイントは1円分以上である必要があります。",
        "发放的积分须至少相当于1日元。",
        "A grant must be at least 1 point.");

    /// <summary>A fixed-amount program is granted exactly its amount, once.</summary>
    public static readonly RuleCode GrantAmountMismatch = Refusal("grant.amount-mismatch",
        "この事業のポイントは定額で、一度に全額を付与します。",
        "该项目的积分为固定金额，须一次性全额发放。",
        "This program grants a fixed amount, all at once.");

    /// <summary>Note: only part of the proposed grant was accepted, up to what remained.</summary>
    public static readonly RuleCode GrantPartiallyAccepted = Note("grant.partially-accepted",
        "上限までの残り分のみ付与しました。",
        "仅发放了剩余额度以内的部分。",
        "Only the part up to the remaining entitlement was accepted.");

    /// <summary>Every code, in catalogue order.</summary>
    public static IReadOnlyList<RuleCode> All { get; } =
    [
        CampaignInvalid, CampaignUnsupportedSchema, CampaignUnknownProgramKind, CampaignDuplicateProgram,
        CampaignInvalidAmount, CampaignWindowInverted, CampaignCapAboveTotal, CampaignAmendmentWithoutEffective,
        CampaignAmendmentOutOfOrder, CampaignUnknownTimeZone,
        EligibilityCardNotHeld, EligibilityCardAppliedTooLate, EligibilityPhase1FullyGranted, EligibilityPhase1Inconsistent,
        EligibilityWindowNotOpen, EligibilityWindowClosed, EligibilityServiceClosed, EligibilityRegistrationMissing,
        EligibilityPhase1Carryover, EligibilityRegisteredBeforeCampaign,
        ApplicationAlreadyExists, ApplicationImmutable, ApplicationServiceFixed, ApplicationRepresentativeRequired,
        ApplicationChildMustBePresent, ApplicationGuardianRequired, ApplicationActorNotAllowed,
        ApplicationAccountSameAsRepresentative, ApplicationAccountTaken,
        GrantExceedsCap, GrantExceedsTotal, GrantNotEligible, GrantNotPositive, GrantAmountMismatch, GrantPartiallyAccepted,
    ];

    /// <summary>Finds a code by its text; null when unknown.</summary>
    public static RuleCode? Find(string code) => All.FirstOrDefault(c => c.Code == code);

    private static RuleCode Refusal(string code, string ja, string zh, string en) => new(code, RuleCodeKind.Refusal, ja, zh, en);
    private static RuleCode Note(string code, string ja, string zh, string en) => new(code, RuleCodeKind.Note, ja, zh, en);
}
