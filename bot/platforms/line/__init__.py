"""LINE (Messaging API): push alerts within the monthly quota, commands over the webhook."""
