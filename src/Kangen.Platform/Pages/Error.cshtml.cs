using System.Diagnostics;
using Kangen.Platform.Problems;
using Kangen.Platform.Web;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages;

/// <summary>
/// What a person sees when a page is missing or failed: a page in their language, never a stack trace or JSON.
/// Reached by re-execution (status codes) and by the exception handler; not a page to link to.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    /// <summary>The heading.</summary>
    public string Title { get; private set; } = "";

    /// <summary>The explanation.</summary>
    public string Text { get; private set; } = "";

    /// <summary>The request's trace id for support, when a failure was logged.</summary>
    public string? RequestId { get; private set; }

    /// <summary>Any method: the failed request may have been a POST.</summary>
    public void OnGet() => Describe();

    /// <summary>The same page for a failed form.</summary>
    public void OnPost() => Describe();

    private void Describe()
    {
        // The status comes from the re-execution itself, never from binding: the failed request's form may be the very
        // thing that cannot be read (a NUL character), and binding it again would turn its 400 into a 500.
        var failure = HttpContext.Features.Get<IExceptionHandlerFeature>()?.Error;
        var failed = failure is not null;
        var reExecuted = HttpContext.Features.Get<IStatusCodeReExecuteFeature>();
        // Reached directly (/error), the page says "not found" rather than pretending something failed.
        var code = failed ? StorageUnavailable.StatusFor(failure!) : reExecuted?.OriginalStatusCode ?? StatusCodes.Status404NotFound;
        Response.StatusCode = code;
        (Title, Text) = code switch
        {
            StatusCodes.Status404NotFound => (
                WebCulture.Pick("ページが見つかりません", "找不到页面", "Page not found"),
                WebCulture.Pick("アドレスをお確かめください。", "请确认网址。", "Check the address.")),
            StatusCodes.Status400BadRequest => (
                WebCulture.Pick("もう一度お試しください", "请重试", "Please try again"),
                WebCulture.Pick("フォームの有効期限が切れたか、送信内容を確認できませんでした。ページを開き直してください。何も記録されていません。",
                    "表单已过期或无法确认提交内容。请重新打开页面。未记录任何内容。",
                    "The form expired or could not be checked. Open the page again: nothing was recorded.")),
            StatusCodes.Status403Forbidden => (
                WebCulture.Pick("権限がありません", "无权访问", "Not allowed"),
                WebCulture.Pick("このページを開く権限がありません。", "您无权打开此页面。", "You may not open this page.")),
            StatusCodes.Status503ServiceUnavailable => (
                WebCulture.Pick("ただいま混み合っています", "系统繁忙", "Busy right now"),
                WebCulture.Pick(StorageUnavailable.Problem.Ja, StorageUnavailable.Problem.Zh, StorageUnavailable.Problem.En)),
            _ => (
                WebCulture.Pick("ただいま処理できません", "暂时无法处理", "Something went wrong"),
                WebCulture.Pick("しばらくしてからもう一度お試しください。途中まで記録されることはありません。",
                    "请稍后重试。不会出现只记录一半的情况。",
                    "Please try again in a moment. Nothing is ever half-recorded.")),
        };
        RequestId = failed ? Activity.Current?.Id ?? HttpContext.TraceIdentifier : null;
    }
}
