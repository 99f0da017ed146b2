using Microsoft.Playwright;
using MySqlHa.Tests.Sandbox;

namespace MySqlHa.Tests.Console;

/// <summary>
/// Debian's Chromium, headless, driven by Playwright on the console of an Api at <c>baseUrl</c>. Playwright's own
/// browser download is not reachable here, so the system's browser is launched (MYSQLHA_CHROMIUM overrides its path).
/// Screenshots go to artifacts/console-screenshots (git-ignored).
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    /// <summary>Desktop width the console is designed for; the phone width is checked with <see cref="UsePhoneWidthAsync"/>.</summary>
    private static readonly ViewportSize Desktop = new() { Width = 1280, Height = 900 };

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private ConsoleBrowser(IPlaywright playwright, IBrowser browser, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
    }

    public IPage Page { get; }

    public static async Task<ConsoleBrowser> OpenAsync(string baseUrl)
    {
        // What the console shows comes from the monitor and the sagas, which take seconds on a loaded machine: an
        // expectation waits up to this long for it (a wait for a state, not a bound on how fast it comes).
        Assertions.SetDefaultExpectTimeout(90_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("MYSQLHA_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl, ViewportSize = Desktop });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/");
        return new ConsoleBrowser(playwright, browser, page);
    }

    public async Task SignInAsync(string key)
    {
        await Page.GetByLabel("API key").FillAsync(key);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Clusters" })).ToBeVisibleAsync();
    }

    public async Task OpenClusterAsync(string name)
    {
        await Page.GetByRole(AriaRole.Link, new() { Name = name, Exact = true }).ClickAsync();
        await Assertions.Expect(Page.GetByText("Live: topology version")).ToBeVisibleAsync();
    }

    /// <summary>The topology table's row of <paramref name="instance"/>.</summary>
    public ILocator Row(string instance) =>
        Page.GetByRole(AriaRole.Row).Filter(new() { Has = Page.GetByRole(AriaRole.Link, new() { Name = instance, Exact = true }) });

    /// <summary>Clicks <paramref name="action"/> in the row of <paramref name="instance"/> and confirms it in the dialog.</summary>
    public async Task RunConfirmedAsync(string instance, string action)
    {
        await Row(instance).GetByRole(AriaRole.Button, new() { Name = action, Exact = true }).ClickAsync();
        await Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = action, Exact = true }).ClickAsync();
    }

    public async Task UsePhoneWidthAsync() => await Page.SetViewportSizeAsync(390, 844);

    public async Task ScreenshotAsync(string name)
    {
        var repository = Path.GetFullPath(Path.Combine(SandboxSettings.Current.EnvScript, "..", ".."));
        await Page.ScreenshotAsync(new() { Path = Path.Combine(repository, "artifacts", "console-screenshots", $"{name}.png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
