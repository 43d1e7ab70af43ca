package io.sluice.brokerd.metadata;

/**
 * One listener of a broker as the cluster knows it (Kafka's broker endpoint): clients connecting through listener
 * {@code listener} are told {@code host:port}; other brokers reach it on the inter-broker listener's endpoint.
 *
 * @param listener         upper-case listener name
 * @param host             advertised host
 * @param port             advertised port
 * @param securityProtocol PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
 */
public record Endpoint(String listener, String host, int port, String securityProtocol) {
}
