"""Word lists for the invented demo data: French-looking given and family names, name parts.

Every person of the demo data set is invented: a given name and a family name
drawn at random from these lists of common French names. No row describes a
real person; any resemblance to one is chance. Organization names are made up
from the generic parts below plus the names of real places (communes,
neighbourhoods), which are not personal data.
"""

FEMALE_GIVEN_NAMES = (
    "Adèle", "Agathe", "Agnès", "Alice", "Aline", "Amandine", "Amélie", "Anaïs", "Andrée",
    "Anne", "Annie", "Audrey", "Aurélie", "Bernadette", "Brigitte", "Camille", "Carole",
    "Catherine", "Cécile", "Chantal", "Charlotte", "Chloé", "Christiane", "Christine",
    "Claire", "Clémence", "Colette", "Coralie", "Corinne", "Danielle", "Delphine", "Denise",
    "Dominique", "Eléonore", "Élise", "Élodie", "Émilie", "Emma", "Estelle", "Fabienne",
    "Fanny", "Fatima", "Florence", "Françoise", "Gaëlle", "Geneviève", "Ginette", "Hélène",
    "Inès", "Irène", "Isabelle", "Jacqueline", "Jeanne", "Joëlle", "Josiane", "Julie",
    "Juliette", "Karima", "Laetitia", "Laure", "Léa", "Leïla", "Lina", "Louise", "Lucie",
    "Madeleine", "Maëlle", "Malika", "Manon", "Margaux", "Marie", "Marine", "Marion",
    "Martine", "Mathilde", "Maud", "Mélanie", "Michèle", "Monique", "Mounia", "Myriam",
    "Nadia", "Nathalie", "Nicole", "Noémie", "Odile", "Pascale", "Patricia", "Pauline",
    "Rose", "Sabrina", "Salomé", "Samia", "Sandrine", "Sarah", "Solène", "Sophie", "Stéphanie",
    "Suzanne", "Sylvie", "Thérèse", "Valérie", "Véronique", "Virginie", "Yasmina", "Yvette",
    "Zoé",
)  # fmt: skip

MALE_GIVEN_NAMES = (
    "Adrien", "Ahmed", "Alain", "Alexandre", "André", "Antoine", "Arnaud", "Arthur",
    "Baptiste", "Benoît", "Bernard", "Bruno", "Cédric", "Charles", "Christian", "Christophe",
    "Claude", "Clément", "Damien", "Daniel", "David", "Denis", "Didier", "Dominique", "Éric",
    "Étienne", "Fabrice", "Farid", "Florian", "François", "Frédéric", "Gabriel", "Gaël",
    "Georges", "Gérard", "Gilles", "Guillaume", "Guy", "Henri", "Hervé", "Hugo", "Jacques",
    "Jean", "Jean-Claude", "Jean-Luc", "Jean-Marc", "Jean-Pierre", "Jérôme", "Joël", "Jules",
    "Julien", "Karim", "Kévin", "Laurent", "Léo", "Louis", "Luc", "Lucas", "Marc", "Marcel",
    "Mathieu", "Maxime", "Mehdi", "Michel", "Mohamed", "Nathan", "Nicolas", "Noël", "Olivier",
    "Pascal", "Patrick", "Paul", "Philippe", "Pierre", "Quentin", "Raphaël", "Rachid",
    "Raymond", "Régis", "Rémi", "René", "Robert", "Roger", "Romain", "Samir", "Sébastien",
    "Serge", "Simon", "Stéphane", "Sylvain", "Théo", "Thibault", "Thierry", "Thomas",
    "Tristan", "Valentin", "Victor", "Vincent", "Xavier", "Yann", "Yannick", "Yves",
)  # fmt: skip

FAMILY_NAMES = (
    "Adam", "Aubert", "Aubry", "Bailly", "Barbier", "Baron", "Barre", "Benard", "Benoit",
    "Berger", "Bernard", "Bertin", "Bertrand", "Besnard", "Blanc", "Blanchard", "Boucher",
    "Bouchet", "Boulanger", "Bourgeois", "Bouvier", "Boyer", "Brun", "Brunet", "Buisson",
    "Carpentier", "Caron", "Carré", "Chapuis", "Charpentier", "Chauvin", "Chevalier",
    "Clément", "Colas", "Collet", "Collin", "Cordier", "Cousin", "Daniel", "David", "Delmas",
    "Deschamps", "Devaux", "Dubois", "Dufour", "Dumas", "Dumont", "Dupont", "Dupuis",
    "Durand", "Duval", "Étienne", "Fabre", "Faure", "Ferrand", "Fleury", "Fontaine",
    "Fournier", "François", "Gaillard", "Garnier", "Gauthier", "Gautier", "Gay", "Gérard",
    "Germain", "Gilbert", "Gillet", "Girard", "Giraud", "Gomez", "Guérin", "Guichard",
    "Guillaume", "Guillot", "Hamon", "Henry", "Hubert", "Huet", "Jacob", "Jacquet", "Joly",
    "Julien", "Klein", "Labbé", "Lacroix", "Lambert", "Laine", "Laurent", "Leblanc",
    "Lebrun", "Leclerc", "Lecomte", "Lefebvre", "Lefèvre", "Legrand", "Lemaire",
    "Lemoine", "Leroux", "Leroy", "Lucas", "Maillard", "Marchal", "Marchand", "Marie",
    "Martin", "Masson", "Mathieu", "Mercier", "Meunier", "Meyer", "Michaud", "Michel",
    "Moreau", "Morel", "Morin", "Moulin", "Muller", "Noël", "Olivier", "Paris", "Perret",
    "Perrin", "Petit", "Picard", "Pierre", "Poirier", "Prévost", "Renard", "Renaud",
    "Rey", "Richard", "Rivière", "Robert", "Robin", "Roche", "Roger", "Rolland", "Rousseau",
    "Roussel", "Roux", "Roy", "Schmitt", "Simon", "Tessier", "Thomas", "Vasseur", "Vidal",
    "Vincent", "Weber", "Benali", "Bensaïd", "Boukhari", "Cherif", "Diallo", "Haddad",
    "Kaddour", "Mansouri", "Nguyen", "Ouali", "Pereira", "Ferreira", "Rodrigues", "Santos",
    "Traoré", "Camara", "Le Gall", "Le Goff", "Kerboul", "Tanguy", "Le Bihan", "Riou",
    "Marty", "Bonnet", "Lopez", "Garcia", "Sanchez", "Martinez", "Fernandez", "Costa",
)  # fmt: skip

#: Generic neighbourhood names for generated conseils de quartier outside Paris.
QUARTIER_NAMES = (
    "Centre-ville", "Gare", "Les Coteaux", "Le Plateau", "Les Rives", "Bellevue",
    "Beaulieu", "Les Prés", "Le Bourg", "La Fontaine", "Les Vignes", "Le Moulin",
    "Les Tilleuls", "La Croix-Blanche", "Les Grands Champs", "Le Val", "Les Acacias",
    "Le Faubourg", "Les Charmilles", "La Prairie",
)  # fmt: skip

#: Themes of generated comités consultatifs ("Comité consultatif <theme> de <commune>").
COMMITTEE_THEMES = (
    "de la vie associative", "des mobilités", "de l'environnement", "des sports",
    "de la culture", "du handicap et de l'accessibilité", "des solidarités",
    "du commerce de proximité", "de la transition énergétique", "de l'égalité",
    "du patrimoine", "de la jeunesse",
)  # fmt: skip

ASSOCIATION_THEMES = (
    "des parents d'élèves", "sportive", "de défense du cadre de vie", "culturelle",
    "des locataires", "des jardins partagés", "d'aide aux devoirs", "des commerçants",
    "de randonnée", "théâtrale", "pour le vélo au quotidien", "de quartier",
    "de solidarité entre générations", "musicale", "pour l'environnement",
    "d'entraide alimentaire", "des familles", "du patrimoine", "des aînés", "de football",
)  # fmt: skip

ASSOCIATION_PREFIXES = ("Association", "Association", "Amicale", "Union")

#: Streets and spots, for organizations local to a part of a commune.
SPOTS = (
    "des Tilleuls", "du Marché", "de la Gare", "du Canal", "des Lilas", "du Parc", "des Écoles",
    "de la Mairie", "du Château", "des Roses", "du Moulin", "de la Fontaine", "du Lavoir",
    "des Peupliers", "de la Poste", "du Stade", "des Vignes", "du Pont", "des Jardins",
    "de l'Église", "du Square", "des Cerisiers", "de la Place", "du Vieux Bourg",
)  # fmt: skip

COLLECTIVE_THEMES = (
    "citoyen", "pour un quartier propre", "des riverains", "contre le bruit",
    "pour des rues apaisées", "solidaire", "des usagers des transports",
)  # fmt: skip

COMPANY_TRADES = (
    "Boulangerie", "Transports", "Menuiserie", "Garage", "Pharmacie", "Imprimerie",
    "Plomberie", "Électricité", "Librairie", "Traiteur", "Paysages", "Bâtiment",
    "Informatique", "Conseil", "Fromagerie", "Optique", "Auto-école", "Coiffure",
)  # fmt: skip

COMPANY_FORMS = ("SARL", "SAS", "EURL", "SA")

SCHOOL_KINDS = (
    "École élémentaire", "École maternelle", "Collège", "Lycée", "Lycée professionnel",
)  # fmt: skip

SCHOOL_NAMES = (
    "des Tilleuls", "des Acacias", "du Parc", "des Coteaux", "de la Gare", "du Centre",
    "des Prés", "du Val", "des Marronniers", "de la Fontaine", "des Peupliers", "du Moulin",
)  # fmt: skip

PUBLIC_SERVICE_KINDS = (
    "Centre social", "Médiathèque", "Centre communal d'action sociale", "Maison de quartier",
    "Maison des services au public", "Mission locale",
)  # fmt: skip

LANDLORD_PATTERNS = ("Logis solidaire", "Habitat partagé", "Résidences du Val", "Toit commun")

INTERACTION_SOURCES = (
    "entretien", "compte rendu de séance", "presse locale", "déclaration publique",
    "convention de partenariat", "délibération", "observation de terrain", "questionnaire",
)  # fmt: skip
