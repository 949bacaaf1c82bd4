/**
 * Observability and security of the running service.
 *
 * <h2>HTTP endpoints</h2>
 * {@code equistream.http.port} (-1 = off, 0 = ephemeral; {@code equistream run} prints the bound
 * port) serves, on all interfaces, with the JDK HTTP server ({@link io.equistream.stream.observe.ObservabilityServer}):
 * <ul>
 *   <li>{@code GET /health/live}: 200 {@code {"status":"UP","state":...}} while the model loads
 *       ({@code STARTING}) and in CREATED, REBALANCING, RUNNING; 503 in PENDING_SHUTDOWN,
 *       NOT_RUNNING, PENDING_ERROR, ERROR (Kubernetes startup and liveness probe)
 *   <li>{@code GET /health/ready}: 200 only while Kafka Streams is RUNNING, else 503 with the
 *       state in the body (readiness probe)
 *   <li>{@code GET /metrics}: Prometheus text format 0.0.4 (HEAD is accepted too; other methods 405)
 * </ul>
 *
 * <h2>Metrics</h2>
 * {@link io.equistream.stream.observe.ServiceMetrics} lists the {@code equistream_*} series; Kafka
 * Streams' own ({@code kafka_stream_*}, and its clients' {@code kafka_consumer_*},
 * {@code kafka_producer_*}, {@code kafka_admin_client_*}) and JVM/process metrics come with them.
 *
 * <h2>Security</h2>
 * TLS and SASL need no EquiStream key: every key of the properties file without the
 * {@code equistream.} prefix goes unchanged to Kafka Streams (and from there to its consumers,
 * producers and admin client), and {@code bootstrap.servers}, {@code security.*}, {@code ssl.*},
 * {@code sasl.*} and {@code client.dns.lookup} also go to the service's own clients (reply-topic
 * admin, topic creation, {@code ask}/{@code produce}/{@code consume}) through
 * {@link io.equistream.stream.ServiceConfig#clientProperties()}: e.g. {@code security.protocol=SASL_SSL},
 * {@code sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location/password},
 * {@code ssl.keystore.location/password}, {@code ssl.key.password},
 * {@code ssl.endpoint.identification.algorithm}. The configuration is logged once, at start, only
 * as {@link io.equistream.stream.ServiceConfig#redacted()}, which masks every key that names a
 * password, passphrase, secret, credentials, JAAS config, private key or (outside
 * {@code equistream.*}) token. Prompt and completion text are never logged; log lines name request
 * ids. Kafka's own loggers run at WARN (simplelogger.properties).
 */
package io.equistream.stream.observe;
