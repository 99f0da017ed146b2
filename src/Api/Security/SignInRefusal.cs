namespace MySqlHa.Api.Security;

/// <summary>
/// Why a call's credentials were refused, kept on the call for the problem answer: ASP.NET Core keeps only successful
/// sign-ins on the request.
/// </summary>
internal static class SignInRefusal
{
    private const string Key = "mysqlha.sign-in-refusal";

    public static void Record(HttpContext context, string reason) => context.Items[Key] = reason;

    public static string? Of(HttpContext context) => context.Items[Key] as string;
}
