using Kangen.Platform.Problems;

namespace Kangen.Platform.Features.Settlement;

/// <summary>The codes of settlement (docs/operators.md).</summary>
public static class SettlementProblems
{
    /// <summary>The month is not <c>yyyy-MM</c>.</summary>
    public static readonly PlatformProblem MonthInvalid = new("settlement.month-invalid", StatusCodes.Status400BadRequest,
        "月は yyyy-MM の形式で指定してください。", "月份请使用 yyyy-MM 格式。", "The month must be yyyy-MM.");

    /// <summary>The month has not ended in the campaign time zone.</summary>
    public static readonly PlatformProblem MonthOpen = new("settlement.month-open", StatusCodes.Status409Conflict,
        "この月はまだ終わっていないため確定できません。", "该月尚未结束，无法结算。", "The month has not ended yet (campaign time zone); it cannot be closed.");

    /// <summary>The envelope is closed already.</summary>
    public static readonly PlatformProblem AlreadyClosed = new("settlement.already-closed", StatusCodes.Status409Conflict,
        "この月の精算はすでに確定しています。", "该月的结算已经确定。", "The settlement of this month is already closed.");

    /// <summary>A later month of the operator is closed already; its envelope took this month's lines.</summary>
    public static readonly PlatformProblem LaterMonthClosed = new("settlement.later-month-closed", StatusCodes.Status409Conflict,
        "より後の月の精算がすでに確定しており、この月の明細はそちらに含まれています。", "更晚月份的结算已经确定，本月明细已包含在其中。",
        "A later month is already closed for this operator; its envelope holds this month's lines.");

    /// <summary>The envelope is not closed, so there is nothing to confirm.</summary>
    public static readonly PlatformProblem NotFinal = new("settlement.not-final", StatusCodes.Status409Conflict,
        "この月の精算はまだ確定していません。", "该月的结算尚未确定。", "The settlement of this month is not closed yet; only a final envelope can be confirmed.");

    /// <summary>The operator's control totals differ from the envelope's.</summary>
    public static readonly PlatformProblem TotalsMismatch = new("settlement.totals-mismatch", StatusCodes.Status409Conflict,
        "管理合計が精算と一致しません。突合（reconcile）で差異を確認してください。", "控制合计与结算不一致，请通过对账（reconcile）查找差异。",
        "The control totals do not match the envelope; reconcile to find the differences.");

    /// <summary>No registered operator has this code.</summary>
    public static readonly PlatformProblem OperatorUnknown = new("settlement.operator-unknown", StatusCodes.Status404NotFound,
        "この事業者は登録されていません。", "该事业者未登记。", "No registered operator has this code.");

    /// <summary>A reconciliation line is not a JSON line of the expected shape.</summary>
    public static readonly PlatformProblem LineInvalid = new("settlement.line-invalid", StatusCodes.Status400BadRequest,
        "突合ファイルの行が正しくありません。", "对账文件中的行不正确。", "A line of the reconciliation file is not valid.");
}
