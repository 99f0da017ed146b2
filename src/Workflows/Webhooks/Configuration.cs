using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace MySqlHa.Workflows.Webhooks;

public static class Configuration
{
    /// <summary>The webhook documents; the fan-out subscription is added with <see cref="AddWebhookFanOut"/>.</summary>
    public static StoreOptions ConfigureWebhooks(this StoreOptions options)
    {
        // The Api and the deliverer both change a subscription (WebhookSubscriptions.UpdateAsync).
        options.Schema.For<WebhookSubscription>().UseOptimisticConcurrency(true);
        options.Schema.For<WebhookDelivery>().Index(delivery => delivery.SubscriptionId).Index(delivery => delivery.Sequence);
        options.Schema.For<OperationCluster>();
        return options;
    }

    /// <summary>The daemon's subscription that queues deliveries, run over every event from the first.</summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddWebhookFanOut(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten) =>
        marten.AddSubscriptionWithServices<WebhookFanOut>(ServiceLifetime.Singleton);

    /// <summary>Sending the queued deliveries (while this process leads), and the Api's way to change subscriptions.</summary>
    public static IServiceCollection AddMySqlHaWebhooks(this IServiceCollection services, WebhookOptions options)
    {
        services.AddSingleton(options);
        // The factory's own log lines name the URL, which may carry the receiver's token; ours name the subscription.
        services.AddHttpClient(WebhookSender.ClientName).RemoveAllLoggers();
        services.AddSingleton<WebhookSubscriptions>();
        services.AddSingleton<WebhookSender>();
        services.AddHostedService<WebhookDeliverer>();
        return services;
    }
}
