using System.CommandLine;
using System.Security.Cryptography;
using Kangen.Platform.Features.Staff;
using Spectre.Console;

namespace Kangen.Cli.Features.Admin;

/// <summary><c>kangen admin staff-token</c>: a new staff credential and the configuration lines that enable it.</summary>
internal static class StaffCommands
{
    public static Command Token(CliContext context)
    {
        var id = new Option<string>("--id") { Description = "Who: an agent or clerk id (appears in the audit log).", Required = true };
        var role = new Option<string>("--role") { Description = "call-centre, municipal or admin.", Required = true };
        role.AcceptOnlyFromAmong(StaffRoles.CallCentre, StaffRoles.Municipal, StaffRoles.Admin);
        var index = new Option<int>("--index") { Description = "The position n in Kangen:Staff:Tokens:n.", DefaultValueFactory = _ => 0 };
        var command = new Command("staff-token",
            "Create a staff credential: prints the token once (give it to the person) and the configuration that stores only its hash.")
        {
            id, role, index,
        };
        command.SetAction(parse =>
        {
            var who = parse.GetValue(id)!.Trim();
            if (who.Length is 0 or > 48 || who.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            {
                context.Error("--id must be 1-48 of A-Z a-z 0-9 - _ .");
                return ExitCodes.Usage;
            }
            var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            var n = parse.GetValue(index);
            context.Console.MarkupLineInterpolated($"Token for [bold]{who}[/] ({parse.GetValue(role)}), shown once: [bold]{token}[/]");
            context.Console.MarkupLine("Configure the platform with (environment variables shown; command-line --Kangen:Staff:... works too):");
            context.Console.WriteLine($"Kangen__Staff__Tokens__{n}__Id={who}");
            context.Console.WriteLine($"Kangen__Staff__Tokens__{n}__Role={parse.GetValue(role)}");
            context.Console.WriteLine($"Kangen__Staff__Tokens__{n}__Sha256={StaffRoles.HashToken(token)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
