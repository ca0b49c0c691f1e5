package io.activation.datamodel;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

/** The catalogue of tables. */
interface TableDefinitions extends JpaRepository<TableDefinition, String> {

    List<TableDefinition> findAllByOrderByCreatedAtAscNameAsc();
}
