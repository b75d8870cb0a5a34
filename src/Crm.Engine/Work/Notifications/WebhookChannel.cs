using System.Net.Http.Json;
using Crm.Engine.Abstractions.Work;

namespace Crm.Engine.Work.Notifications;

/// <summary>
/// Posts each message as JSON to an HTTP endpoint (an SMS or chat gateway). The idempotency key goes in the body and
/// in an <c>Idempotency-Key</c> header; any non-2xx answer is a failure carrying the status and an excerpt of the body.
/// </summary>
internal sealed class WebhookChannel(string name, Uri endpoint, NotificationAddressKind addressKind, HttpClient http) : INotificationChannel, IDisposable
{
    private const int ExcerptLength = 300;

    public string Name { get; } = name;

    public NotificationAddressKind AddressKind { get; } = addressKind;

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint)
        {
            Content = JsonContent.Create(new
            {
                id = message.Id,
                tenantId = message.TenantId,
                idempotencyKey = message.IdempotencyKey,
                channel = message.Channel,
                to = message.Address,
                subject = message.Subject,
                body = message.Body,
                attempt = message.Attempt,
                recordId = message.RecordId,
            }),
        };
        request.Headers.Add("Idempotency-Key", message.IdempotencyKey);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var excerpt = body.Length > ExcerptLength ? body[..ExcerptLength] + "…" : body;
            throw new HttpRequestException($"webhook '{Name}' answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {excerpt}", null, response.StatusCode);
        }
    }

    public void Dispose() => http.Dispose();
}
