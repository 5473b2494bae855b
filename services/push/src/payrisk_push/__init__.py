"""payrisk push service: subscriptions, offline-bill mining, targeted push, notifications."""
