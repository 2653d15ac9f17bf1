using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Kangen.Platform.Pages.Municipal;

/// <summary>The municipal office's console: the emulated cards of this platform's issuer in the cards folder.</summary>
public sealed class MunicipalIndexModel(MunicipalCardOffice office) : PageModel
{
    /// <summary>The cards, by file name.</summary>
    public IReadOnlyList<MunicipalCard> Cards { get; private set; } = [];

    /// <summary>False when the data folder holds no issuer.</summary>
    public bool HasIssuer { get; private set; }

    /// <summary>The folder listed.</summary>
    public string CardsDirectory => office.CardsDirectory;

    /// <summary>The list.</summary>
    public void OnGet()
    {
        HasIssuer = office.HasIssuer;
        Cards = office.List();
    }
}
