package io.activation.access;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

/** The stored API keys. */
interface ApiKeys extends JpaRepository<ApiKey, UUID> {

    Optional<ApiKey> findByKeyHash(byte[] keyHash);

    List<ApiKey> findAllByOrderByCreatedAtAsc();
}
