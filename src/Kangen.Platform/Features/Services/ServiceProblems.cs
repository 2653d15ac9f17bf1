using Kangen.Platform.Problems;
using Kangen.Protocol;

namespace Kangen.Platform.Features.Services;

/// <summary>The stable codes of the services feature, with their messages.</summary>
public static class ServiceProblems
{
    /// <summary>The field prefix of field problems: <c>fields.&lt;name&gt;</c>.</summary>
    public static string FieldKey(string name) => FieldPrefix + name;

    /// <summary>The service field a problem's key names (the inverse of <see cref="FieldKey"/>), or null for another key.</summary>
    public static string? FieldName(string? key) =>
        key is not null && key.StartsWith(FieldPrefix, StringComparison.Ordinal) ? key[FieldPrefix.Length..] : null;

    private const string FieldPrefix = "fields.";

    /// <summary><c>service.not-found</c> (404): no service has this code.</summary>
    public static PlatformProblem NotFound(string? code) => new(
        "service.not-found", StatusCodes.Status404NotFound,
        "指定された決済サービスは見つかりません。",
        "找不到指定的支付服务。",
        "No payment service has this code.", code is null ? "no code" : $"'{Clip(code)}'");

    /// <summary><c>service.terms-not-found</c> (404): the service has no terms of this version.</summary>
    public static PlatformProblem TermsNotFound(PaymentService service, string? version) => new(
        "service.terms-not-found", StatusCodes.Status404NotFound,
        "指定された版の利用規約はありません。",
        "没有指定版本的使用条款。",
        "This service has no terms of this version.",
        $"'{Clip(version ?? "")}' of {service.Code}; versions: {string.Join(", ", service.Terms.Select(t => t.Version))}");

    /// <summary><c>service.query-invalid</c> (400): a search filter is not a known value.</summary>
    public static PlatformProblem QueryInvalid(string parameter, string? value, IEnumerable<string> allowed) => new(
        "service.query-invalid", StatusCodes.Status400BadRequest,
        "検索条件が正しくありません。",
        "搜索条件不正确。",
        "A search filter has an unknown value.", $"{parameter}='{Clip(value ?? "")}'; one of {string.Join(", ", allowed)}", parameter);

    /// <summary><c>service.field-required</c> (400): a field of the service is missing or empty.</summary>
    public static PlatformProblem FieldRequired(ServiceField field) => new(
        "service.field-required", StatusCodes.Status400BadRequest,
        $"「{field.Label.Ja}」を入力してください。",
        $"请输入“{field.Label.Zh}”。",
        $"Enter the {field.Label.En}.", "missing or empty", FieldKey(field.Name));

    /// <summary><c>service.field-invalid</c> (400): the value has the wrong length or characters. <paramref name="detail"/> must not hold a secret value.</summary>
    public static PlatformProblem FieldInvalid(ServiceField field, string detail) => new(
        "service.field-invalid", StatusCodes.Status400BadRequest,
        $"「{field.Label.Ja}」の形式が正しくありません。",
        $"“{field.Label.Zh}”的格式不正确。",
        $"The {field.Label.En} is not in the expected form.", detail, FieldKey(field.Name));

    /// <summary><c>service.field-check-digit</c> (400): the value's check digit is wrong (usually a mistyped digit).</summary>
    public static PlatformProblem FieldCheckDigit(ServiceField field) => new(
        "service.field-check-digit", StatusCodes.Status400BadRequest,
        $"「{field.Label.Ja}」に入力誤りがあります。もう一度ご確認ください。",
        $"“{field.Label.Zh}”有输入错误，请再次确认。",
        $"The {field.Label.En} has a typing mistake (its check digit does not match). Check it again.",
        $"{field.CheckDigit.ToCode()} check digit", FieldKey(field.Name));

    /// <summary><c>service.field-unknown</c> (400): the service has no field of this name.</summary>
    public static PlatformProblem FieldUnknown(PaymentService service, string name) => new(
        "service.field-unknown", StatusCodes.Status400BadRequest,
        "この決済サービスにはない項目が送られました。",
        "提交了该支付服务不存在的项目。",
        "This payment service has no such field.",
        $"'{Clip(name)}'; fields of {service.Code}: {string.Join(", ", service.Fields.Select(f => f.Name))}", FieldKey(Clip(name)));

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "...";
}
