import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClassifierConfig, ClassifierRule, ComplexityRule } from '../../core/config';
import { classifyRequest, leadingWordPrefixes, SCAN_HEAD_CHARS, type ClassifyInput } from '../../core/classifier';
import { BUILT_IN_CLASSIFIER_RULES, BUILT_IN_COMPLEXITY_RULES } from '../../core/default-classifier-rules';
import { BUILT_IN_TASK_TYPES, DEFAULT_ROUTE } from '../../core/task-types';

const defaults = ClassifierConfig.parse({});

function prompt(text: string, extra: Partial<ClassifyInput> = {}): ClassifyInput {
  return { text, hasSchema: false, hasGroundTruth: false, ...extra };
}

interface Labelled {
  taskType: string;
  text: string;
  hasSchema?: boolean;
}

/*
 * All written for this project, none taken from a benchmark, each phrased the way a backend
 * service or a person would send it. DEVELOPMENT_SET is what the built-in rules were first written
 * against; LATER_SETS came in six later rounds, each written fresh and scored before the rules were
 * adjusted to it (first-run accuracy 62% to 83% per round, 169/233 overall), so they are
 * regression tests now, not a measure of accuracy on unseen prompts.
 */
const DEVELOPMENT_SET: readonly Labelled[] = [
  // extraction
  {
    taskType: 'extraction',
    text: "Extract every person's name and their job title from the press release below and return them as a JSON array.\n\nAcme Corp today announced that Maria Lopez will join as Chief Financial Officer, replacing Tom Reed, who becomes Head of Strategy.",
  },
  {
    taskType: 'extraction',
    text: "Pull out all the dates and dollar amounts mentioned in this contract clause: 'Payment of $12,500 is due on March 3, 2024, with a second installment of $4,000 by April 30.'",
  },
  {
    taskType: 'extraction',
    text: "From the following email, get the sender's phone number, the meeting time and the room number.\n\nHi team, let's meet Thursday at 2:30pm in room 4B. Call me at 555-0142 if you're late. - Dana",
  },
  {
    taskType: 'extraction',
    text: 'List all the ingredients mentioned in this recipe, with quantities, as a table: Whisk two eggs with 200 ml of milk, then fold in 150 g of flour and a pinch of salt.',
  },
  {
    taskType: 'extraction',
    text: 'Identify the company names and stock tickers in this paragraph and output them as CSV with columns company,ticker.\n\nShares of Nimbus Systems (NMBS) rose after Harlow Foods (HRLW) agreed to buy its logistics arm.',
  },
  {
    taskType: 'extraction',
    text: "Parse this shipping label into fields (recipient, street, city, postcode, country): 'J. Okafor, 12 Harbour Rd, Cork T12 X8Y2, Ireland'",
  },
  {
    taskType: 'extraction',
    hasSchema: true,
    text: 'Given the invoice text below, fill in invoice_number, total and due_date.\n\nInvoice #A-1043\nConsulting services, March\nTotal due: 1,280.00 EUR by 15 May 2024',
  },
  {
    taskType: 'extraction',
    text: "Read the resume below and return the candidate's skills, years of experience and most recent employer as key-value pairs.\n\nSam Patel - Senior data engineer at Northwind (2019-present). Previously analyst at Contoso. Skills: Spark, Airflow, dbt.",
  },
  {
    taskType: 'extraction',
    text: 'Find every URL and email address in the following forum post and list them one per line.\n\nThanks! The slides are at https://example.org/talk and you can reach me at lee@example.org.',
  },
  {
    taskType: 'extraction',
    text: 'Turn the order confirmation below into structured data with the product names, sizes and prices.\n\nLATTE GRANDE 4.50\nBLUEBERRY MUFFIN 3.25\nOAT MILK EXTRA 0.60',
  },
  {
    taskType: 'extraction',
    hasSchema: true,
    text: 'Patient: Ana Ruiz, DOB 1984-02-11. Presenting complaint: persistent cough for three weeks. Prescribed amoxicillin 500 mg.',
  },

  // classification
  {
    taskType: 'classification',
    text: "Classify the sentiment of this review as positive, negative or neutral: 'The battery died after two days and support never replied.'",
  },
  {
    taskType: 'classification',
    text: 'Is the following email spam or not? Answer with one word.\n\nCONGRATULATIONS!!! You have been selected to receive a free cruise. Click here to claim your prize.',
  },
  {
    taskType: 'classification',
    text: "Categorize each of these support tickets into billing, technical issue, or account access:\n1. I was charged twice this month\n2. The app crashes when I upload a photo\n3. I can't reset my password",
  },
  {
    taskType: 'classification',
    text: "Which department should handle this message: sales, legal, or HR? 'I'd like to discuss the non-compete clause in my contract before I sign.'",
  },
  {
    taskType: 'classification',
    text: "Label the intent of the user utterance: 'set an alarm for 6am tomorrow'. Possible intents: set_alarm, play_music, weather_query.",
  },
  {
    taskType: 'classification',
    text: "Tag this news headline with one topic from: politics, sports, technology, health. Headline: 'Startup unveils chip that halves data-centre power use'",
  },
  {
    taskType: 'classification',
    text: "Decide whether this comment is toxic. Reply with only yes or no: 'Nobody asked for your opinion, idiot.'",
  },
  {
    taskType: 'classification',
    text: 'Sort these animals into mammals, birds and reptiles: penguin, gecko, bat, ostrich, iguana, dolphin.',
  },
  {
    taskType: 'classification',
    text: "Rate the urgency of this customer message as low, medium, or high: 'Our whole team has been locked out of the dashboard since this morning.'",
  },
  {
    taskType: 'classification',
    text: 'Assign one of the following genres to this book blurb: fantasy, thriller, romance, science fiction.\n\nA detective on a generation ship must find the killer before the ship reaches its new home.',
  },
  {
    taskType: 'classification',
    text: "Is this product review about shipping, quality or price? 'Arrived a week late and the box was crushed.'",
  },

  // summarization
  {
    taskType: 'summarization',
    text: 'Summarize the following article in three sentences.\n\nThe city council voted on Tuesday to expand the bike-lane network by 40 kilometres over the next two years. Supporters argued the plan would cut traffic and emissions, while local shop owners worried about losing parking spaces. The project will be funded partly by a regional grant.',
  },
  {
    taskType: 'summarization',
    text: 'tl;dr this thread for me: people are arguing about whether the new office policy requires three or four days in person, HR has not clarified, and half the team is threatening to escalate.',
  },
  {
    taskType: 'summarization',
    text: 'Give me the key points from these meeting notes as bullet points:\n- budget approved with a 5% cut\n- launch moved to October\n- Priya to own vendor negotiations\n- next sync in two weeks',
  },
  {
    taskType: 'summarization',
    text: 'Condense this paragraph into a single sentence: Our quarterly revenue grew 12% thanks to strong demand in Europe, although margins narrowed because of higher shipping costs and a one-off legal settlement.',
  },
  {
    taskType: 'summarization',
    text: 'Can you write a short executive summary of the quarterly report below?\n\nRevenue: 4.2M (+8%). Churn fell to 2.1%. Hiring paused in Q3. Two enterprise deals slipped to Q4.',
  },
  {
    taskType: 'summarization',
    text: 'What are the main takeaways of this research abstract? We surveyed 2,000 remote workers and found that flexible hours improved self-reported productivity, but isolation increased among junior staff.',
  },
  {
    taskType: 'summarization',
    text: 'Boil this legal notice down to two plain-English sentences: The licensee shall not sublicense, assign or otherwise transfer any rights granted hereunder without prior written consent of the licensor, and any attempt to do so shall be void.',
  },
  {
    taskType: 'summarization',
    text: 'Please shorten this product announcement to under 50 words while keeping the essential facts: We are thrilled to introduce Lumen 2, our lightest laptop yet, featuring an all-day battery, a brighter display, and a redesigned keyboard, available from June 1 in three colours.',
  },
  {
    taskType: 'summarization',
    text: 'Write a one-paragraph synopsis of the transcript below for people who missed the call.\n\nAlex: we are behind on the API migration. Jo: the blocker is the auth service. Alex: can we get help from platform? Jo: I will ask today.',
  },
  {
    taskType: 'summarization',
    text: 'What is this article about? Give me the gist in plain words.\n\nResearchers have found that octopuses can change colour in their sleep, which may indicate they experience something like dreaming.',
  },

  // question answering
  { taskType: 'question_answering', text: 'What is the capital of Australia?' },
  { taskType: 'question_answering', text: 'Why is the sky blue during the day but red at sunset?' },
  { taskType: 'question_answering', text: 'Explain how vaccines train the immune system.' },
  {
    taskType: 'question_answering',
    text: "Who wrote 'One Hundred Years of Solitude', and what literary movement is it associated with?",
  },
  { taskType: 'question_answering', text: "What's the difference between weather and climate?" },
  { taskType: 'question_answering', text: 'How does a bill become a law in the United States?' },
  { taskType: 'question_answering', text: 'Describe the main causes of the French Revolution.' },
  { taskType: 'question_answering', text: 'When did the Berlin Wall fall?' },
  {
    taskType: 'question_answering',
    text: 'Can you tell me what an index fund is and why people recommend them for retirement savings?',
  },
  { taskType: 'question_answering', text: 'Define opportunity cost and give an everyday example.' },
  { taskType: 'question_answering', text: 'What role did the Silk Road play in the spread of religions across Asia?' },

  // reasoning
  {
    taskType: 'reasoning',
    text: 'If a train leaves at 3:15 pm travelling at 80 km/h, how far has it gone by 5:00 pm?',
  },
  { taskType: 'reasoning', text: 'Solve for x: 3x + 7 = 25.' },
  {
    taskType: 'reasoning',
    text: 'Alice is taller than Bob, and Bob is taller than Carol. Is Carol taller than Alice? Explain your reasoning.',
  },
  {
    taskType: 'reasoning',
    text: 'A bag holds 4 red and 6 blue marbles. If I draw two without replacement, what is the probability both are red?',
  },
  {
    taskType: 'reasoning',
    text: 'Three friends split a bill of $96 so that Ann pays twice what Ben pays and Ben pays twice what Cal pays. How much does each pay?',
  },
  { taskType: 'reasoning', text: 'Prove that the sum of two odd integers is always even.' },
  {
    taskType: 'reasoning',
    text: 'Every cat in the shelter is vaccinated. Milo is not vaccinated. Can Milo be a cat from the shelter? Think it through step by step.',
  },
  { taskType: 'reasoning', text: 'What is the next number in the sequence 2, 6, 12, 20, 30?' },
  {
    taskType: 'reasoning',
    text: "A rectangle's length is three times its width and its perimeter is 48 cm. What is its area?",
  },
  {
    taskType: 'reasoning',
    text: 'If all bloops are razzies and some razzies are lazzies, must some bloops be lazzies? Answer true, false or uncertain.',
  },
  {
    taskType: 'reasoning',
    text: 'I have twice as many apples as oranges, and 18 pieces of fruit in total. How many oranges do I have?',
  },

  // coding
  { taskType: 'coding', text: 'Write a Python function that returns the n-th Fibonacci number using memoization.' },
  {
    taskType: 'coding',
    text: "Why does this print undefined?\n```js\nconst user = { name: 'Ada' };\nconsole.log(user.nmae);\n```",
  },
  {
    taskType: 'coding',
    text: 'Refactor this Java class to use dependency injection instead of creating its own database connection.',
  },
  {
    taskType: 'coding',
    text: 'Write a SQL query that finds the top five customers by total order value in the last 30 days.',
  },
  {
    taskType: 'coding',
    text: "I'm getting 'TypeError: Cannot read properties of null (reading 'addEventListener')' in my browser console. How do I fix it?",
  },
  { taskType: 'coding', text: 'Implement a thread-safe LRU cache in Go with Get and Put methods.' },
  { taskType: 'coding', text: 'Give me a regular expression that matches UK postcodes.' },
  { taskType: 'coding', text: "What's the time complexity of inserting into a binary heap, and why?" },
  { taskType: 'coding', text: 'Convert this bash loop to PowerShell: for f in *.log; do gzip "$f"; done' },
  { taskType: 'coding', text: 'Add unit tests for the parseDate function in my TypeScript utils module.' },
  {
    taskType: 'coding',
    text: 'My React component re-renders forever after I added a useEffect that sets state. What am I doing wrong?',
  },

  // creative generation
  {
    taskType: 'creative_generation',
    text: 'Write a short story about a lighthouse keeper who finds a message in a bottle.',
  },
  { taskType: 'creative_generation', text: 'Compose a haiku about the first snow of winter.' },
  { taskType: 'creative_generation', text: 'Brainstorm ten names for a bakery that specialises in sourdough.' },
  { taskType: 'creative_generation', text: 'Pretend you are a medieval knight and tell me about your day.' },
  {
    taskType: 'creative_generation',
    text: 'Draft a warm wedding toast for my sister and her new husband, about two minutes long.',
  },
  { taskType: 'creative_generation', text: 'Come up with a catchy slogan for a reusable water bottle brand.' },
  { taskType: 'creative_generation', text: 'Write a limerick about a cat who learns to code.' },
  {
    taskType: 'creative_generation',
    text: 'You are a grumpy pirate captain. Stay in character and answer my questions about the buried treasure.',
  },
  {
    taskType: 'creative_generation',
    text: "Rewrite this paragraph so it sounds more persuasive and upbeat: 'Our product is okay and some people like it.'",
  },
  {
    taskType: 'creative_generation',
    text: "Give me five creative ideas for a ten-year-old's birthday party with a space theme.",
  },
  {
    taskType: 'creative_generation',
    text: 'Write a cover letter for a junior graphic designer position at a small agency.',
  },
];

const LATER_SETS: readonly Labelled[] = [
  // extraction
  {
    taskType: 'extraction',
    text: 'Here is a job posting. What is the salary range, the location, and the required years of experience?\n\nWe are hiring a backend engineer in Lisbon (hybrid). 5+ years with Go required. Salary: 55-70k EUR.',
  },
  {
    taskType: 'extraction',
    text: 'Get me the flight number, departure time and gate from this boarding pass text: BA 0117 LHR-JFK Dep 10:25 Gate B32 Seat 14A',
  },
  {
    taskType: 'extraction',
    text: 'Please convert these meeting notes into a list of action items with owner and deadline for each.\n\nKim will send the draft by Friday. Raj to book the venue before the 12th.',
  },
  {
    taskType: 'extraction',
    text: 'Which medications and dosages are mentioned in the discharge summary below?\n\nDischarged on metformin 850 mg twice daily and lisinopril 10 mg once daily.',
  },
  {
    taskType: 'extraction',
    text: 'Give me a JSON object with the title, author and publication year for each book referenced in this paragraph: Orwell published Animal Farm in 1945, four years before Nineteen Eighty-Four.',
  },
  {
    taskType: 'extraction',
    text: 'Below is a court ruling. List the plaintiff, the defendant, the judge and the date of the decision.\n\nIn Harris v. Delmont Holdings, decided on 4 June 2021 by Judge R. Kaur, the court found...',
  },
  {
    taskType: 'extraction',
    text: 'Scan this chat log and return every order ID the customer refers to.\n\nuser: hi, my orders 88123 and 88190 never arrived',
  },
  {
    taskType: 'extraction',
    text: 'What is the name of the landlord and the monthly rent in this lease agreement? "This lease between Olivia Brandt (Landlord) and..., rent of $1,450 per month"',
  },
  {
    taskType: 'extraction',
    text: 'Capture the key metrics from this earnings call transcript - revenue, EPS and guidance - as JSON.',
  },
  {
    taskType: 'extraction',
    text: 'Grab the hashtags and @mentions from these tweets.\n1. Loving the #sunset at @SantaMonicaPier\n2. Back to #work',
  },
  {
    taskType: 'extraction',
    text: 'From the text message below, pull the pickup address and the time the customer wants the taxi.\n\n"Hi can u pick me up from 22 Elm St at 7.45 tomorrow, thx"',
  },
  {
    taskType: 'extraction',
    text: 'Return a list of every city mentioned in this travel diary entry, in the order they appear.',
  },
  {
    taskType: 'extraction',
    text: 'What dosage and frequency does the prescription below specify? "Take 2 tablets every 6 hours as needed for pain."',
  },
  {
    taskType: 'extraction',
    text: 'Please identify the buyer, seller and purchase price in the sales agreement pasted below.',
  },
  {
    taskType: 'extraction',
    text: 'Convert the following bank statement lines into a table with columns date, description and amount.\n03/02 COFFEE BEAN 4.20\n03/02 RENT 950.00',
  },
  {
    taskType: 'extraction',
    text: 'Highlight all the deadlines in this project brief and give them as a bulleted list.',
  },
  {
    taskType: 'extraction',
    text: 'I pasted a conference agenda below. Which sessions are on Tuesday afternoon and who is speaking at each?',
  },
  {
    taskType: 'extraction',
    text: 'Look through these customer reviews and note down every feature people complain about.',
  },
  { taskType: 'extraction', text: 'Return the ISBN, publisher and page count from this book listing as JSON.' },
  {
    taskType: 'extraction',
    text: 'Get all the monetary figures out of the budget memo and tell me what each one refers to.',
  },
  { taskType: 'extraction', text: 'Here is an email thread. Who agreed to do what, and by when?' },
  {
    taskType: 'extraction',
    text: "Below is a LinkedIn profile. Give me the person's current role, their employer and the university they attended.",
  },
  { taskType: 'extraction', text: 'Please extract the warranty period and the return window from this product page.' },
  {
    taskType: 'extraction',
    text: 'Read this police report and list the vehicles involved with their registration numbers.',
  },
  { taskType: 'extraction', text: 'Which ingredients in the label below are allergens?' },
  { taskType: 'extraction', text: 'Collect every question the interviewer asked in this transcript.' },
  {
    taskType: 'extraction',
    text: 'Map the following free-text address into street, city, region and postal code fields: "Flat 3, 18 Rue Victor Hugo, 69002 Lyon"',
  },
  {
    taskType: 'extraction',
    text: 'Pull the sender, subject line and any attachment names out of these raw email headers.',
  },
  {
    taskType: 'extraction',
    text: 'Using the CV below, fill in the candidate name, phone and the languages they speak.',
  },
  {
    taskType: 'extraction',
    text: 'What are the opening hours and the phone number listed on this restaurant web page?',
  },
  {
    taskType: 'extraction',
    text: 'Scrape the titles and prices from this HTML product grid and give them back as rows.',
  },
  { taskType: 'extraction', text: 'Identify each character who speaks in the scene below and count their lines.' },
  {
    taskType: 'extraction',
    text: 'Tell me the start date, end date and total cost of the project described in this proposal.',
  },
  // classification
  {
    taskType: 'classification',
    text: 'Would you say this tweet is sarcastic or sincere? "Oh great, another Monday. Just what I needed."',
  },
  {
    taskType: 'classification',
    text: 'For each review below, output POSITIVE or NEGATIVE.\n1. Loved it, will buy again\n2. Broke on the first day\n3. Exceeded my expectations',
  },
  {
    taskType: 'classification',
    text: 'Determine the severity of this incident report (SEV1, SEV2, SEV3): payment processing is down for all EU customers.',
  },
  {
    taskType: 'classification',
    text: 'Is this a question about billing or a technical problem? "Why was my card declined when I tried to upgrade?"',
  },
  {
    taskType: 'classification',
    text: 'Route this customer email to the right team (Returns, Shipping, Account). Email: I want to send back the shoes I bought last week.',
  },
  {
    taskType: 'classification',
    text: 'Given a support message, respond with exactly one of: REFUND, EXCHANGE, OTHER.\n\nMessage: The jacket is too small, can I get a medium instead?',
  },
  {
    taskType: 'classification',
    text: 'Does this sentence express an opinion or a fact? "The Eiffel Tower is 330 metres tall."',
  },
  {
    taskType: 'classification',
    text: 'Group the following expenses by type (travel, meals, equipment): taxi 23, lunch 14, monitor 210, train 45.',
  },
  {
    taskType: 'classification',
    text: 'Mark each of these job titles as either engineering or non-engineering: SRE, recruiter, data scientist, office manager.',
  },
  { taskType: 'classification', text: 'Please determine the sentiment expressed towards the airline in this post.' },
  {
    taskType: 'classification',
    text: 'Is the tone of this message formal or informal? "Yo, can you send me that file real quick?"',
  },
  {
    taskType: 'classification',
    text: 'Which of these product categories does "wireless noise-cancelling earbuds" fall under: Audio, Computing, Home, Wearables?',
  },
  {
    taskType: 'classification',
    text: 'Flag whether each comment violates our harassment policy (yes/no):\n1. You are wrong about this.\n2. Go away, nobody wants you here.',
  },
  { taskType: 'classification', text: 'Identify the language of each of these phrases: "gracias", "danke", "merci".' },
  {
    taskType: 'classification',
    text: 'Given the symptoms described, triage the patient into one of: emergency, urgent, routine.',
  },
  {
    taskType: 'classification',
    text: 'Put each of these words into the right part of speech: run, quickly, happy, table.',
  },
  {
    taskType: 'classification',
    text: 'Is this headline clickbait or legitimate news? "You won\'t believe what this celebrity ate for breakfast"',
  },
  { taskType: 'classification', text: 'Label each sentence in the paragraph as claim, evidence or other.' },
  {
    taskType: 'classification',
    text: 'Which customer segment does this user belong to based on their purchases: bargain hunter, brand loyalist, or occasional buyer?',
  },
  {
    taskType: 'classification',
    text: 'Detect the emotion in this diary entry - joy, sadness, anger, fear or surprise.',
  },
  {
    taskType: 'classification',
    text: 'Check whether the following message contains personal data. Answer PII or NO_PII.',
  },
  { taskType: 'classification', text: 'Would you classify this loan application as low, medium or high risk?' },
  { taskType: 'classification', text: 'Is this chat message a complaint, a compliment or a question?' },
  { taskType: 'classification', text: 'Read each tweet and tell me if it is about politics or not.' },
  { taskType: 'classification', text: 'Assign a priority from P1 to P4 to each of these bug reports.' },
  {
    taskType: 'classification',
    text: 'Determine the reading level of this passage: beginner, intermediate or advanced.',
  },
  {
    taskType: 'classification',
    text: 'Which of the following is a fruit and which is a vegetable: tomato, carrot, apple, potato?',
  },
  { taskType: 'classification', text: 'Classify these transactions as personal or business expenses.' },
  {
    taskType: 'classification',
    text: 'Does the following customer message express frustration, satisfaction, or neither?',
  },
  { taskType: 'classification', text: 'Put a label on each support chat: resolved, escalated, or abandoned.' },
  {
    taskType: 'classification',
    text: 'Which programming paradigm does this description best fit: functional, object-oriented, or procedural?',
  },
  { taskType: 'classification', text: 'Tell me whether this review is fake or genuine.' },
  { taskType: 'classification', text: 'Bucket these survey answers into satisfied, neutral and unsatisfied.' },
  // summarization
  {
    taskType: 'summarization',
    text: "Can you give me a quick overview of this long email so I know whether I need to read it?\n\nHi all, following up on last week's discussion about the vendor contract, legal has flagged two clauses...",
  },
  {
    taskType: 'summarization',
    text: 'Sum up the discussion below in a couple of bullet points for the weekly newsletter.\n\nThe team debated moving to monorepo; consensus is to trial it for one quarter.',
  },
  {
    taskType: 'summarization',
    text: 'Please provide a brief abstract for the paper text pasted below.\n\nIn this work we propose a method for compressing transformer activations...',
  },
  {
    taskType: 'summarization',
    text: 'I do not have time to read this whole report. What are the most important findings?\n\nThe survey of 500 firms shows that adoption of automation increased by 30%...',
  },
  {
    taskType: 'summarization',
    text: "Write a short recap of yesterday's standup from these notes: API done, UI blocked on design, QA starts Monday.",
  },
  { taskType: 'summarization', text: 'Give me a two-sentence version of the following paragraph for our status page.' },
  { taskType: 'summarization', text: 'Summarise the pros and cons raised in this product review thread.' },
  {
    taskType: 'summarization',
    text: 'Turn this long Slack conversation into a short update I can send to my manager.',
  },
  { taskType: 'summarization', text: 'In a few bullets, what did the speaker argue in this lecture transcript?' },
  { taskType: 'summarization', text: 'Compress this changelog into the three changes users will care about most.' },
  {
    taskType: 'summarization',
    text: 'Summarise this podcast transcript for someone deciding whether to listen to it.',
  },
  { taskType: 'summarization', text: 'Could you condense the following policy document into five bullet points?' },
  { taskType: 'summarization', text: 'Give me the highlights of this 40-page annual report in plain language.' },
  { taskType: 'summarization', text: 'Reduce this product spec to a short paragraph a salesperson could read aloud.' },
  { taskType: 'summarization', text: 'Write a brief summary of the Supreme Court opinion pasted below.' },
  { taskType: 'summarization', text: 'What are the key takeaways from the customer interviews below?' },
  { taskType: 'summarization', text: 'Give me the short version of this terms-of-service update.' },
  { taskType: 'summarization', text: 'Summarize what changed between these two versions of the policy.' },
  {
    taskType: 'summarization',
    text: 'Write three bullet points capturing the essence of the keynote transcript below.',
  },
  { taskType: 'summarization', text: 'Could you digest this 20-message email chain into one paragraph for my boss?' },
  { taskType: 'summarization', text: 'Pull together a brief recap of the sprint retrospective notes.' },
  { taskType: 'summarization', text: 'Give me the gist of this research paper in plain English.' },
  { taskType: 'summarization', text: 'Summarize the reviews for this hotel into what guests liked and disliked.' },
  {
    taskType: 'summarization',
    text: 'Can you shorten this cover letter to half a page without losing the main points?',
  },
  { taskType: 'summarization', text: 'Recap the last episode of the podcast from the show notes below.' },
  { taskType: 'summarization', text: 'Distill the three-hour board meeting transcript into a one-page brief.' },
  { taskType: 'summarization', text: 'Provide a TLDR of the GitHub issue discussion below.' },
  { taskType: 'summarization', text: 'Summarize this thread in one line.' },
  { taskType: 'summarization', text: 'Sum up the plot of the screenplay draft below in a paragraph.' },
  { taskType: 'summarization', text: 'I missed the all-hands. Can you give me a quick rundown of these notes?' },
  { taskType: 'summarization', text: 'Please write an abstract for the article below in under 150 words.' },
  {
    taskType: 'summarization',
    text: 'Reduce these five pages of release notes to the handful of changes that matter for admins.',
  },
  { taskType: 'summarization', text: 'Give an overview of the main arguments in this op-ed.' },
  // question_answering
  { taskType: 'question_answering', text: 'How do noise-cancelling headphones actually work?' },
  { taskType: 'question_answering', text: 'What were the main consequences of the Treaty of Versailles for Germany?' },
  { taskType: 'question_answering', text: 'Is it safe to eat raw cookie dough?' },
  { taskType: 'question_answering', text: 'Which planets in our solar system have rings?' },
  {
    taskType: 'question_answering',
    text: 'In simple terms, what does a central bank do when it raises interest rates?',
  },
  { taskType: 'question_answering', text: 'What causes the northern lights?' },
  { taskType: 'question_answering', text: 'How long do I need to boil an egg for a runny yolk?' },
  { taskType: 'question_answering', text: 'Who was the first woman to win a Nobel Prize?' },
  { taskType: 'question_answering', text: 'What are the symptoms of vitamin D deficiency?' },
  { taskType: 'question_answering', text: 'Why did the Roman Empire split into east and west?' },
  { taskType: 'question_answering', text: 'What is the greenhouse effect and how does it warm the planet?' },
  { taskType: 'question_answering', text: 'Explain the difference between civil law and common law systems.' },
  { taskType: 'question_answering', text: 'Who painted the ceiling of the Sistine Chapel?' },
  { taskType: 'question_answering', text: 'Why do some countries drive on the left side of the road?' },
  { taskType: 'question_answering', text: 'How did the printing press change European society?' },
  { taskType: 'question_answering', text: 'Discuss the ethical concerns surrounding facial recognition technology.' },
  { taskType: 'question_answering', text: 'What does a mitochondrion do in a cell?' },
  { taskType: 'question_answering', text: 'Is coffee bad for your heart?' },
  { taskType: 'question_answering', text: 'Tell me about the origins of the Olympic Games.' },
  { taskType: 'question_answering', text: 'How are hurricanes named?' },
  { taskType: 'question_answering', text: 'What were the main ideas of the Enlightenment thinkers?' },
  { taskType: 'question_answering', text: 'What is the tallest mountain in Africa?' },
  { taskType: 'question_answering', text: 'How does compound interest work?' },
  { taskType: 'question_answering', text: 'Why did the dinosaurs go extinct?' },
  { taskType: 'question_answering', text: 'What are the main differences between Buddhism and Hinduism?' },
  { taskType: 'question_answering', text: 'Explain the concept of supply and demand with an example.' },
  { taskType: 'question_answering', text: 'Who invented the telephone, and was there a dispute about it?' },
  { taskType: 'question_answering', text: 'What is the boiling point of water at the top of Mount Everest?' },
  { taskType: 'question_answering', text: 'How do bees communicate where flowers are?' },
  { taskType: 'question_answering', text: 'Which country has the longest coastline?' },
  { taskType: 'question_answering', text: 'What was the Marshall Plan and why was it important?' },
  { taskType: 'question_answering', text: 'Explain what a black hole is to a ten-year-old.' },
  { taskType: 'question_answering', text: 'Are tomatoes technically a fruit?' },
  // reasoning
  {
    taskType: 'reasoning',
    text: 'A farmer has chickens and cows. There are 30 heads and 74 legs. How many cows are there?',
  },
  {
    taskType: 'reasoning',
    text: 'Five people sit in a row. Dana is left of Eli, Eli is not at either end, and Finn sits next to Dana. Who could be in the middle seat?',
  },
  { taskType: 'reasoning', text: 'What is 17% of 2,340?' },
  {
    taskType: 'reasoning',
    text: 'If it takes 5 machines 5 minutes to make 5 widgets, how long would it take 100 machines to make 100 widgets?',
  },
  {
    taskType: 'reasoning',
    text: 'Is the statement "some mammals lay eggs, so some egg-layers are mammals" logically valid? Justify your answer.',
  },
  { taskType: 'reasoning', text: 'A shop sells pens at 3 for $2. How much would 18 pens cost?' },
  {
    taskType: 'reasoning',
    text: 'There are three boxes, one labelled apples, one oranges and one mixed, and all labels are wrong. You can pick one fruit from one box. How do you fix the labels?',
  },
  { taskType: 'reasoning', text: 'Which is larger: 2^30 or 10^9? Show how you know.' },
  {
    taskType: 'reasoning',
    text: 'Sarah is older than Tom but younger than Lucy. Mike is older than Lucy. Who is the youngest?',
  },
  { taskType: 'reasoning', text: 'Find all integer solutions to x^2 - y^2 = 15.' },
  { taskType: 'reasoning', text: 'A clock shows 3:00. What is the angle between the hour and minute hands?' },
  {
    taskType: 'reasoning',
    text: 'If no doctors are lawyers and some lawyers are writers, can we conclude that some writers are not doctors?',
  },
  {
    taskType: 'reasoning',
    text: 'Kim is two years older than her brother, and in five years their ages will add up to 30. How old is Kim now?',
  },
  {
    taskType: 'reasoning',
    text: 'You have a 3-litre jug and a 5-litre jug. How can you measure exactly 4 litres of water?',
  },
  { taskType: 'reasoning', text: 'P is the mother of Q, and Q is the sister of R. How is R related to P?' },
  { taskType: 'reasoning', text: 'Which number does not fit: 3, 5, 7, 9, 11?' },
  {
    taskType: 'reasoning',
    text: 'I am thinking of a two-digit number whose digits add up to 9 and which is divisible by 4. What could it be?',
  },
  {
    taskType: 'reasoning',
    text: 'A snail climbs 3 metres up a 10-metre wall each day and slips back 2 metres each night. On which day does it reach the top?',
  },
  { taskType: 'reasoning', text: 'If today is Wednesday, what day of the week will it be 100 days from now?' },
  {
    taskType: 'reasoning',
    text: 'Two trains start 300 km apart and travel towards each other at 70 km/h and 80 km/h. When do they meet?',
  },
  {
    taskType: 'reasoning',
    text: 'All roses are flowers. Some flowers fade quickly. Does it follow that some roses fade quickly?',
  },
  { taskType: 'reasoning', text: 'If 3 painters can paint a house in 12 days, how many days would 4 painters take?' },
  {
    taskType: 'reasoning',
    text: 'What is the smallest positive integer that leaves a remainder of 1 when divided by 2, 3 and 4?',
  },
  {
    taskType: 'reasoning',
    text: 'Jane has more books than Omar. Omar has more books than Priya. Does Priya have more books than Jane?',
  },
  { taskType: 'reasoning', text: 'A coin is flipped three times. What is the chance of getting at least two heads?' },
  { taskType: 'reasoning', text: 'Solve this puzzle: I speak without a mouth and hear without ears. What am I?' },
  {
    taskType: 'reasoning',
    text: 'The price of a jacket was cut by 20% and then raised by 20%. Is it back to the original price?',
  },
  { taskType: 'reasoning', text: 'How many handshakes happen if 10 people each shake hands with everyone else once?' },
  {
    taskType: 'reasoning',
    text: 'A bat and a ball cost $1.10 together, and the bat costs $1.00 more than the ball. How much does the ball cost?',
  },
  {
    taskType: 'reasoning',
    text: 'Given that every square is a rectangle and no rectangle is a circle, is any square a circle?',
  },
  { taskType: 'reasoning', text: 'What is the sum of all even numbers from 1 to 100?' },
  {
    taskType: 'reasoning',
    text: 'There are 5 houses in a row, each a different colour. The green house is immediately left of the white one. Which house could be green?',
  },
  {
    taskType: 'reasoning',
    text: 'My watch loses 2 minutes every hour. If I set it right at noon, what time will it show at 6 pm?',
  },
  // coding
  { taskType: 'coding', text: 'How can I reverse a linked list in place?' },
  {
    taskType: 'coding',
    text: 'Here is my Dockerfile. The build fails at the pip install step with a permission error - what should I change?',
  },
  { taskType: 'coding', text: 'Write a bash one-liner that counts the lines in every .csv file in a directory.' },
  {
    taskType: 'coding',
    text: 'Explain what this snippet does:\n\nfor (let i = 0; i < arr.length; i++) { if (arr[i] % 2) total += arr[i]; }',
  },
  {
    taskType: 'coding',
    text: 'Review my pull request description and the diff below and point out any race conditions in the worker pool.',
  },
  { taskType: 'coding', text: 'Write a function in C that reverses a string in place.' },
  { taskType: 'coding', text: 'How do I center a div horizontally and vertically with flexbox?' },
  {
    taskType: 'coding',
    text: 'My Python script throws "KeyError: \'user_id\'" when the API response is empty. How should I handle that?',
  },
  {
    taskType: 'coding',
    text: 'Translate this Python list comprehension into JavaScript: squares = [x*x for x in nums if x > 0]',
  },
  {
    taskType: 'coding',
    text: 'What is the difference between a process and a thread in an operating system, and when should I use each in my program?',
  },
  { taskType: 'coding', text: 'Write a Rust program that reads a file line by line and prints the longest line.' },
  { taskType: 'coding', text: 'How do I undo my last commit in git without losing the changes?' },
  {
    taskType: 'coding',
    text: 'Optimise this SQL so it stops doing a full table scan: SELECT * FROM orders WHERE YEAR(created_at) = 2024;',
  },
  { taskType: 'coding', text: 'Create a REST endpoint in Express that returns a paginated list of users.' },
  { taskType: 'coding', text: 'What does the "async" keyword do in C#, and when should I use it?' },
  {
    taskType: 'coding',
    text: 'Find the bug in this function: def mean(xs): return sum(xs) / len(xs) - it crashes on an empty list.',
  },
  { taskType: 'coding', text: 'Write a Kotlin data class for a User with name, email and an optional phone number.' },
  { taskType: 'coding', text: 'Why is my pandas groupby returning NaN for some columns?' },
  { taskType: 'coding', text: 'Generate a GitHub Actions workflow that runs npm test on every push.' },
  { taskType: 'coding', text: 'What is the idiomatic way to handle errors in Go?' },
  {
    taskType: 'coding',
    text: 'Turn this for loop into a list comprehension: result = []\nfor x in items:\n    if x.active:\n        result.append(x.id)',
  },
  { taskType: 'coding', text: 'Write a JavaScript function that debounces another function.' },
  { taskType: 'coding', text: 'How can I read a CSV file into a dataframe and drop rows with missing values?' },
  { taskType: 'coding', text: 'What does this error mean: "Segmentation fault (core dumped)"?' },
  { taskType: 'coding', text: 'Show me how to make an HTTP GET request in Python with a timeout.' },
  { taskType: 'coding', text: 'Rewrite this callback-based Node.js code using async/await.' },
  { taskType: 'coding', text: 'Design a database schema for a library that tracks books, members and loans.' },
  { taskType: 'coding', text: 'Write a unit test in Jest for a function that formats phone numbers.' },
  { taskType: 'coding', text: 'Explain the difference between let, const and var in JavaScript.' },
  { taskType: 'coding', text: 'How do I merge two dictionaries in Python 3?' },
  { taskType: 'coding', text: 'Fix this: my Flask app returns 404 for every route after I moved it into a package.' },
  { taskType: 'coding', text: 'Write a shell command to find all files larger than 100 MB in my home directory.' },
  { taskType: 'coding', text: 'Implement binary search and explain its time complexity.' },
  // creative_generation
  { taskType: 'creative_generation', text: 'Write a bedtime story for a four-year-old about a brave little snail.' },
  {
    taskType: 'creative_generation',
    text: 'I need a funny Instagram caption for a photo of my dog wearing sunglasses.',
  },
  { taskType: 'creative_generation', text: 'Describe a sunset over a desert city in lush, poetic language.' },
  {
    taskType: 'creative_generation',
    text: 'Act as my interviewer for a product manager role and ask me one question at a time.',
  },
  {
    taskType: 'creative_generation',
    text: 'Help me write a thank-you note to my neighbour who watered my plants while I was away.',
  },
  {
    taskType: 'creative_generation',
    text: 'Write a motivational speech for a high-school basketball team before the final.',
  },
  { taskType: 'creative_generation', text: 'Invent a new holiday and describe how people celebrate it.' },
  { taskType: 'creative_generation', text: 'Can you write song lyrics about leaving your hometown?' },
  {
    taskType: 'creative_generation',
    text: 'Let us play a game: you are a detective in 1920s Chicago and I am a suspect.',
  },
  {
    taskType: 'creative_generation',
    text: 'Suggest a name and a short backstory for my Dungeons & Dragons elf ranger.',
  },
  { taskType: 'creative_generation', text: 'Write a sea shanty about programmers fixing bugs late at night.' },
  {
    taskType: 'creative_generation',
    text: 'Picture yourself as a retired astronaut giving a talk to schoolchildren. What would you tell them?',
  },
  { taskType: 'creative_generation', text: 'Compose an acrostic poem using the word AUTUMN.' },
  { taskType: 'creative_generation', text: 'Write the opening paragraph of a mystery novel set in a snowed-in hotel.' },
  { taskType: 'creative_generation', text: 'Give me three taglines for a vegan burger restaurant.' },
  {
    taskType: 'creative_generation',
    text: 'You are Sherlock Holmes. A client walks in with mud on her boots. Describe what you deduce, in character.',
  },
  { taskType: 'creative_generation', text: 'Write a villanelle about insomnia.' },
  { taskType: 'creative_generation', text: 'Pitch me three ideas for a mobile game set underwater.' },
  { taskType: 'creative_generation', text: 'Tell me a story about a robot who wants to become a gardener.' },
  {
    taskType: 'creative_generation',
    text: 'Play the role of a sarcastic travel agent and convince me to visit Antarctica.',
  },
  { taskType: 'creative_generation', text: 'Make up a fairy tale explaining why the moon changes shape.' },
  { taskType: 'creative_generation', text: "Write a toast for my grandparents' 50th wedding anniversary." },
  {
    taskType: 'creative_generation',
    text: 'Create a dialogue between a cat and a dog arguing about who is the better pet.',
  },
  {
    taskType: 'creative_generation',
    text: 'Imagine you are a tour guide on Mars. Welcome your first group of tourists.',
  },
  { taskType: 'creative_generation', text: 'Brainstorm names for a podcast about personal finance for students.' },
  {
    taskType: 'creative_generation',
    text: 'Write a product description for handmade ceramic mugs that sounds warm and inviting.',
  },
  { taskType: 'creative_generation', text: 'Continue this story: The door creaked open, and the room was not empty.' },
  { taskType: 'creative_generation', text: 'Write a haiku sequence about a city waking up.' },
  { taskType: 'creative_generation', text: 'Draft a LinkedIn post announcing that I have started a new job.' },
  { taskType: 'creative_generation', text: 'Pretend to be my grandmother and tell me a bedtime story.' },
  { taskType: 'creative_generation', text: 'Come up with a name and a motto for a neighbourhood running club.' },
  { taskType: 'creative_generation', text: 'Write a funny limerick about a forgetful wizard.' },
  { taskType: 'creative_generation', text: 'Write a scene where two rivals are stuck in an elevator together.' },
];

const LABELLED = [...DEVELOPMENT_SET, ...LATER_SETS];

describe('classifyRequest on labelled prompts', () => {
  for (const example of LABELLED) {
    it(`${example.taskType}: ${example.text.slice(0, 70).replace(/\s+/g, ' ')}`, () => {
      const result = classifyRequest(prompt(example.text, { hasSchema: example.hasSchema ?? false }), defaults);
      assert.equal(result.taskType, example.taskType, result.reason);
      assert.equal(result.matched, true);
    });
  }

  it('covers every built-in task type with at least 10 prompts', () => {
    for (const taskType of BUILT_IN_TASK_TYPES) {
      assert.ok(LABELLED.filter((example) => example.taskType === taskType).length >= 10, taskType);
    }
  });
});

describe('everyday words that look like task cues', () => {
  const cases: readonly { text: string; taskType?: string; not?: string }[] = [
    { text: 'How do I remove rust from my bike chain?', not: 'coding' },
    { text: 'My grandmother has to go to the clinic every week; what could explain that?', not: 'coding' },
    { text: 'What is the postal code format in Canada?', not: 'coding' },
    { text: 'What is the speed of light?', taskType: 'question_answering' },
    { text: 'What is the distance from the Earth to the Moon?', taskType: 'question_answering' },
    { text: 'What percentage of the Earth is covered by water?', taskType: 'question_answering' },
    { text: 'What were the main ideas of the Stoic philosophers?', taskType: 'question_answering' },
    { text: 'Tell me a joke about cats.', taskType: 'creative_generation' },
    { text: 'What is 15 percent of 80?', taskType: 'reasoning' },
  ];
  for (const example of cases) {
    it(example.text, () => {
      const result = classifyRequest(prompt(example.text), defaults);
      if (example.taskType) assert.equal(result.taskType, example.taskType, result.reason);
      if (example.not) assert.notEqual(result.taskType, example.not, result.reason);
    });
  }
});

describe('default route', () => {
  for (const text of ['hello', 'thanks, that is all for now', 'ok', '']) {
    it(`takes the default route for ${JSON.stringify(text)}`, () => {
      const result = classifyRequest(prompt(text), defaults);
      assert.equal(result.taskType, DEFAULT_ROUTE);
      assert.equal(result.matched, false);
      assert.match(result.reason, /default route "default"/);
    });
  }

  it('uses the configured default route', () => {
    const config = ClassifierConfig.parse({ defaultRoute: 'general' });
    const result = classifyRequest(prompt('good morning'), config);
    assert.equal(result.taskType, 'general');
    assert.equal(result.matched, false);
    assert.deepEqual(result.scores, {});
    assert.equal(result.margin, 0);
    assert.match(result.reason, /^no rule fired; default route "general"/);
  });

  it('takes the default route when the best score is below minScore, and says so', () => {
    const text = 'Why is the sky blue?';
    const strict = ClassifierConfig.parse({ minScore: 10 });
    const lenient = classifyRequest(prompt(text), defaults);
    const result = classifyRequest(prompt(text), strict);
    assert.equal(lenient.taskType, 'question_answering');
    assert.equal(result.taskType, DEFAULT_ROUTE);
    assert.equal(result.matched, false);
    assert.ok((result.scores.question_answering ?? 0) > 0, 'the scores are still reported');
    assert.match(result.reason, /^no task type reached 10\.0: question_answering/);
  });

  it('never matches a type with a zero score, even with minScore 0', () => {
    const config = ClassifierConfig.parse({
      minScore: 0,
      builtInRules: false,
      rules: [{ taskType: 'alpha', keywords: ['alpha'] }],
    });
    assert.equal(classifyRequest(prompt('nothing relevant'), config).taskType, DEFAULT_ROUTE);
  });
});

describe('config rules', () => {
  it('adds a task type of its own alongside the built-in rules', () => {
    const config = ClassifierConfig.parse({
      rules: [
        {
          taskType: 'translation',
          weight: 5,
          keywords: ['translate', 'translation'],
          patterns: [String.raw`\binto (?:french|german|spanish|japanese)\b`],
          label: 'asks to translate',
        },
      ],
    });
    const result = classifyRequest(prompt("Translate 'see you tomorrow' into French."), config);
    assert.equal(result.taskType, 'translation');
    assert.equal(result.scores.translation, 5);
    assert.match(result.reason, /^translation 5\.0 \(asks to translate "translate" "into French" \+5\.0\)/);
    // The built-in rules still apply to everything else.
    assert.equal(
      classifyRequest(prompt('Summarize the article below in two sentences.'), config).taskType,
      'summarization',
    );
  });

  it('uses only its own rules when builtInRules is false', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      rules: [{ taskType: 'legal_review', keywords: ['contract', 'clause'] }],
    });
    const summary = classifyRequest(
      prompt('Summarize this article about the election in three bullet points.'),
      config,
    );
    assert.equal(summary.taskType, DEFAULT_ROUTE);
    assert.deepEqual(summary.scores, {});
    const legal = classifyRequest(prompt('Summarize the termination clause of this contract.'), config);
    assert.equal(legal.taskType, 'legal_review');
    assert.deepEqual(legal.scores, { legal_review: 1 });
    assert.equal(legal.complexity, 'low', 'no built-in complexity rules either');
  });

  it('adds a config rule to a built-in task type score', () => {
    const text = 'Prepare the board pack brief for Monday.';
    const without = classifyRequest(prompt(text), defaults);
    const config = ClassifierConfig.parse({
      rules: [{ taskType: 'summarization', weight: 4, keywords: ['board pack'] }],
    });
    const result = classifyRequest(prompt(text), config);
    assert.equal(result.taskType, 'summarization');
    assert.equal(result.scores.summarization, (without.scores.summarization ?? 0) + 4);
  });

  it('sums the weights of every fired rule of a task type and reports the margin', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      rules: [
        { taskType: 'alpha', weight: 1.5, keywords: ['apple'] },
        { taskType: 'alpha', weight: 2, keywords: ['pear'] },
        { taskType: 'beta', weight: 1, keywords: ['apple'] },
        { taskType: 'gamma', weight: 9, keywords: ['plum'] },
      ],
    });
    const result = classifyRequest(prompt('An apple and a pear.'), config);
    assert.deepEqual(result.scores, { alpha: 3.5, beta: 1 });
    assert.equal(result.taskType, 'alpha');
    assert.equal(result.margin, 2.5);
  });

  it('lets a weight decide between task types', () => {
    const rules = (alphaWeight: number) =>
      ClassifierConfig.parse({
        builtInRules: false,
        rules: [
          { taskType: 'alpha', weight: alphaWeight, keywords: ['invoice'] },
          { taskType: 'beta', weight: 2, keywords: ['payment'] },
        ],
      });
    const text = 'The invoice payment failed.';
    assert.equal(classifyRequest(prompt(text), rules(1)).taskType, 'beta');
    assert.equal(classifyRequest(prompt(text), rules(3)).taskType, 'alpha');
  });

  it('reports a margin equal to the best score when only one type scored', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      rules: [{ taskType: 'alpha', weight: 2.5, keywords: ['apple'] }],
    });
    assert.equal(classifyRequest(prompt('apple'), config).margin, 2.5);
  });

  it('breaks a tie by the strongest single cue, then by the earliest evidence', () => {
    const strongest = ClassifierConfig.parse({
      builtInRules: false,
      rules: [
        { taskType: 'alpha', weight: 1, keywords: ['one'] },
        { taskType: 'alpha', weight: 1, keywords: ['two'] },
        { taskType: 'beta', weight: 2, keywords: ['three'] },
      ],
    });
    assert.equal(classifyRequest(prompt('one two three'), strongest).taskType, 'beta');
    const earliest = ClassifierConfig.parse({
      builtInRules: false,
      rules: [
        { taskType: 'alpha', keywords: ['later'] },
        { taskType: 'beta', keywords: ['first'] },
      ],
    });
    assert.equal(classifyRequest(prompt('first, then later'), earliest).taskType, 'beta');
    assert.equal(classifyRequest(prompt('later, then first'), earliest).taskType, 'alpha');
  });

  it('requires every given part of a rule to hold', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      rules: [
        { taskType: 'alpha', keywords: ['report'], patterns: [String.raw`\bq[1-4]\b`], structure: { maxChars: 60 } },
      ],
    });
    assert.equal(classifyRequest(prompt('The Q3 report.'), config).taskType, 'alpha');
    assert.equal(classifyRequest(prompt('The report.'), config).taskType, DEFAULT_ROUTE, 'pattern missing');
    assert.equal(classifyRequest(prompt('The Q3 numbers.'), config).taskType, DEFAULT_ROUTE, 'keyword missing');
    assert.equal(
      classifyRequest(prompt(`The Q3 report. ${'x'.repeat(60)}`), config).taskType,
      DEFAULT_ROUTE,
      'too long',
    );
  });

  it('matches keywords as whole words and phrases, case-insensitively, symbols included', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      rules: [
        { taskType: 'animals', keywords: ['cat'] },
        { taskType: 'phrase', keywords: ['purchase order'] },
        { taskType: 'symbols', keywords: ['c++', 'tl;dr'] },
      ],
    });
    assert.equal(classifyRequest(prompt('My CAT sleeps.'), config).taskType, 'animals');
    assert.equal(classifyRequest(prompt('Pick a category.'), config).taskType, DEFAULT_ROUTE, 'cat inside category');
    assert.equal(classifyRequest(prompt('Attach the Purchase\n  Order please'), config).taskType, 'phrase');
    assert.equal(classifyRequest(prompt('Is C++ faster?'), config).taskType, 'symbols');
    assert.equal(classifyRequest(prompt('tl;dr please'), config).taskType, 'symbols');
    assert.equal(classifyRequest(prompt('abc++'), config).taskType, DEFAULT_ROUTE, 'c++ inside a word');
  });

  it('treats an empty keyword list as not given', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      rules: [{ taskType: 'alpha', keywords: [], structure: { hasSchema: true } }],
    });
    assert.equal(classifyRequest(prompt('anything', { hasSchema: true }), config).taskType, 'alpha');
  });

  it('names the rule of an invalid pattern', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      rules: [{ taskType: 'alpha', patterns: ['(unclosed'] }],
    });
    assert.throws(
      () => classifyRequest(prompt('x'), config),
      /classifier\.rules\[0\]\.patterns\[0\]: invalid regular expression/,
    );
  });

  it('keeps configs apart that share rules but not settings, or settings but not rules', () => {
    const rules = [{ taskType: 'alpha', keywords: ['apple'] }];
    const text = 'An apple.';
    assert.equal(
      classifyRequest(prompt(text), ClassifierConfig.parse({ builtInRules: false, rules })).taskType,
      'alpha',
    );
    assert.equal(
      classifyRequest(prompt(text), ClassifierConfig.parse({ builtInRules: false, rules, minScore: 2 })).taskType,
      DEFAULT_ROUTE,
    );
    assert.equal(
      classifyRequest(
        prompt(text),
        ClassifierConfig.parse({ builtInRules: false, rules: [{ taskType: 'beta', keywords: ['apple'] }] }),
      ).taskType,
      'beta',
    );
  });

  it('gives the same answer for the same input, and for equal configs', () => {
    const text = 'Classify these tickets by urgency: printer jammed, server down.';
    const first = classifyRequest(prompt(text), defaults);
    assert.deepEqual(classifyRequest(prompt(text), defaults), first);
    assert.deepEqual(classifyRequest(prompt(text), ClassifierConfig.parse({})), first);
  });
});

describe('structure conditions', () => {
  const only = (structure: Record<string, unknown>) =>
    ClassifierConfig.parse({ builtInRules: false, rules: [{ taskType: 'alpha', structure, label: 'structure rule' }] });

  it('hasSchema and hasGroundTruth follow the request', () => {
    assert.equal(classifyRequest(prompt('x', { hasSchema: true }), only({ hasSchema: true })).taskType, 'alpha');
    assert.equal(classifyRequest(prompt('x'), only({ hasSchema: true })).taskType, DEFAULT_ROUTE);
    assert.equal(classifyRequest(prompt('x'), only({ hasSchema: false })).taskType, 'alpha');
    assert.equal(
      classifyRequest(prompt('x', { hasGroundTruth: true }), only({ hasGroundTruth: true })).taskType,
      'alpha',
    );
    assert.equal(classifyRequest(prompt('x'), only({ hasGroundTruth: true })).taskType, DEFAULT_ROUTE);
  });

  it('hasCodeBlock looks for a fenced block', () => {
    const fenced = 'Why does this fail?\n```\nlet x = 1\n```';
    assert.equal(classifyRequest(prompt(fenced), only({ hasCodeBlock: true })).taskType, 'alpha');
    assert.equal(classifyRequest(prompt('no code here'), only({ hasCodeBlock: true })).taskType, DEFAULT_ROUTE);
    assert.equal(classifyRequest(prompt('no code here'), only({ hasCodeBlock: false })).taskType, 'alpha');
  });

  it('minChars and maxChars bound the length', () => {
    assert.equal(classifyRequest(prompt('a'.repeat(100)), only({ minChars: 100 })).taskType, 'alpha');
    assert.equal(classifyRequest(prompt('a'.repeat(99)), only({ minChars: 100 })).taskType, DEFAULT_ROUTE);
    assert.equal(classifyRequest(prompt('a'.repeat(10)), only({ maxChars: 10 })).taskType, 'alpha');
    assert.equal(classifyRequest(prompt('a'.repeat(11)), only({ maxChars: 10 })).taskType, DEFAULT_ROUTE);
  });

  it('minLines counts non-empty lines and minQuestions counts question marks', () => {
    assert.equal(classifyRequest(prompt('one\n\n\ntwo\nthree'), only({ minLines: 3 })).taskType, 'alpha');
    assert.equal(classifyRequest(prompt('one\n\n\ntwo\n  \n'), only({ minLines: 3 })).taskType, DEFAULT_ROUTE);
    assert.equal(classifyRequest(prompt('Why? How?'), only({ minQuestions: 2 })).taskType, 'alpha');
    assert.equal(classifyRequest(prompt('Why?'), only({ minQuestions: 2 })).taskType, DEFAULT_ROUTE);
  });

  it('the built-in rules count an expected schema as evidence of extraction', () => {
    const text = 'Order 5512: two blue mugs, shipped 3 March to Leeds.';
    const plain = classifyRequest(prompt(text), defaults);
    const withSchema = classifyRequest(prompt(text, { hasSchema: true }), defaults);
    assert.equal(withSchema.taskType, 'extraction');
    assert.ok((withSchema.scores.extraction ?? 0) > (plain.scores.extraction ?? 0));
    assert.match(withSchema.reason, /expects output matching a schema \+1\.5/);
  });
});

describe('withinFirstChars', () => {
  const config = ClassifierConfig.parse({
    builtInRules: false,
    rules: [{ taskType: 'urgent', keywords: ['urgent'], withinFirstChars: 30 }],
  });

  it('fires when the cue is within the first characters', () => {
    assert.equal(
      classifyRequest(prompt('URGENT: the site is down and customers cannot pay.'), config).taskType,
      'urgent',
    );
  });

  it('ignores the cue further in', () => {
    const text = 'Here is a long preamble about nothing at all, and only later: urgent.';
    assert.ok(text.indexOf('urgent') > 30);
    assert.equal(classifyRequest(prompt(text), config).taskType, DEFAULT_ROUTE);
  });

  it('does not let a keyword straddle the limit', () => {
    const text = `${'x'.repeat(26)} urgent`;
    assert.equal(classifyRequest(prompt(text), config).taskType, DEFAULT_ROUTE);
  });
});

describe('long prompts', () => {
  const config = ClassifierConfig.parse({
    builtInRules: false,
    rules: [
      { taskType: 'alpha', keywords: ['flamingo'] },
      { taskType: 'long', structure: { minChars: 20_000 } },
    ],
    complexityRules: [{ level: 'high', structure: { minChars: 20_000 } }],
  });
  const filler = 'lorem ipsum dolor sit amet. '.repeat(400);

  it('reads instructions at the start and at the end of a very long prompt', () => {
    assert.equal(classifyRequest(prompt(`flamingo ${filler}${filler}`), config).scores.alpha, 1);
    assert.equal(classifyRequest(prompt(`${filler}${filler} flamingo`), config).scores.alpha, 1);
  });

  it('skips the middle of a very long prompt but measures its structure whole', () => {
    const result = classifyRequest(prompt(`${filler}${filler} flamingo ${filler}${filler}`), config);
    assert.equal(result.scores.alpha, undefined);
    assert.equal(result.scores.long, 1);
    assert.equal(result.complexity, 'high');
  });

  it('never lets withinFirstChars reach into the tail of a cut prompt', () => {
    const opening = ClassifierConfig.parse({
      builtInRules: false,
      rules: [{ taskType: 'alpha', keywords: ['flamingo'], withinFirstChars: 100_000 }],
    });
    assert.equal(classifyRequest(prompt(`${filler}${filler} flamingo`), opening).taskType, DEFAULT_ROUTE);
    assert.equal(classifyRequest(prompt(`flamingo ${filler}${filler}`), opening).taskType, 'alpha');
  });

  const article = [
    'The city council met on Tuesday evening to debate the proposed expansion of the tram network.',
    'Residents from the northern districts spoke in favour, citing long commutes and crowded buses.',
    'Several shop owners on the main street said construction would disrupt trade for months.',
    'The council will publish a revised plan in the spring after a further round of consultation.',
  ].join(' ');
  const longArticle = Array.from({ length: 12 }, () => article).join('\n\n');

  it('routes a long pasted document by the instruction before it', () => {
    assert.ok(longArticle.length > SCAN_HEAD_CHARS * 4);
    const result = classifyRequest(
      prompt(`Summarize the following article in three bullet points.\n\n${longArticle}`),
      defaults,
    );
    assert.equal(result.taskType, 'summarization', result.reason);
  });

  it('routes a long pasted document by the instruction after it', () => {
    const result = classifyRequest(
      prompt(`${longArticle}\n\nList every person and organisation mentioned in the article above.`),
      defaults,
    );
    assert.equal(result.taskType, 'extraction', result.reason);
  });
});

describe('leadingWordPrefixes', () => {
  it('reads the words a pattern can start with', () => {
    assert.deepEqual(leadingWordPrefixes(String.raw`\bextract(?:s|ed)?\b`), ['extract']);
    assert.deepEqual(leadingWordPrefixes(String.raw`\b(?:sum|total)s? of`), ['sum', 'total']);
    assert.deepEqual(leadingWordPrefixes(String.raw`\b(?:a |an )?story|\bpoem`), ['a', 'an', 'story', 'poem']);
    assert.deepEqual(leadingWordPrefixes(String.raw`(?<!\w)\.net\b`), ['net']);
    assert.deepEqual(leadingWordPrefixes(String.raw`#include\b`), ['include']);
    assert.deepEqual(leadingWordPrefixes(String.raw`^\W*(?:what|why)\b`), ['what', 'why']);
    assert.deepEqual(leadingWordPrefixes(String.raw`\bre-?write`), ['re']);
  });

  it('gives up when a match need not start a word with a known prefix', () => {
    for (const pattern of [
      'extract', // no word boundary: could start inside a word
      String.raw`\bx?y`,
      String.raw`\d+ apples`,
      String.raw`\b[a-z]+ing\b`,
      String.raw`\b(?:foo|\d+)`,
      String.raw`\b(?:foo)?`,
      String.raw`\b(?<word>foo)`,
      String.raw`\bfoo|bar`,
      String.raw`\b(?:unclosed`,
    ]) {
      assert.equal(leadingWordPrefixes(pattern), undefined, pattern);
    }
  });

  it('never rules out a built-in pattern that matches one of the labelled prompts', () => {
    // The prefilter's promise, checked on real text: a regex that matches has a trigger word present.
    let checked = 0;
    for (const rule of [...BUILT_IN_CLASSIFIER_RULES, ...BUILT_IN_COMPLEXITY_RULES]) {
      for (const pattern of rule.patterns ?? []) {
        const prefixes = leadingWordPrefixes(pattern);
        if (!prefixes) continue;
        const regex = new RegExp(pattern, 'i');
        for (const example of LABELLED) {
          if (!regex.test(example.text)) continue;
          const words = example.text.toLowerCase().match(/\w+/g) ?? [];
          assert.ok(
            words.some((word) => prefixes.some((prefix) => word.startsWith(prefix))),
            `${pattern} on ${example.text}`,
          );
          checked++;
        }
      }
    }
    assert.ok(checked > 500, `only ${checked} matches checked`);
  });
});

describe('system prompt', () => {
  const config = ClassifierConfig.parse({
    builtInRules: false,
    rules: [{ taskType: 'support', weight: 4, keywords: ['refund'], label: 'support topic' }],
  });

  it('counts a rule matched only in the system prompt at half weight, and says where', () => {
    const result = classifyRequest(
      prompt('The parcel never came.', { system: 'You handle refund requests for an online shop.' }),
      config,
    );
    assert.equal(result.taskType, 'support');
    assert.equal(result.scores.support, 2);
    assert.match(result.reason, /support topic "refund" in system prompt \+2\.0/);
  });

  it('counts a rule matched in the prompt at full weight, once', () => {
    const result = classifyRequest(prompt('I want a refund.', { system: 'You handle refund requests.' }), config);
    assert.equal(result.scores.support, 4);
  });

  it('does not read a generic assistant persona as role-play', () => {
    const result = classifyRequest(
      prompt('What is the capital of Peru?', { system: 'You are a helpful assistant.' }),
      defaults,
    );
    assert.equal(result.taskType, 'question_answering');
    assert.equal(result.scores.creative_generation, undefined);
  });
});

describe('reason', () => {
  it('names every task type that scored, each fired rule with its evidence and weight, and the complexity', () => {
    const result = classifyRequest(
      prompt('Extract the names and dates from this email and return them as JSON.'),
      defaults,
    );
    assert.equal(result.taskType, 'extraction');
    assert.match(result.reason, /^extraction \d+\.\d+ \(/);
    assert.match(result.reason, /asks to extract "Extract" \+3\.0/);
    assert.match(result.reason, /asks for structured output "as JSON" \+1\.5/);
    assert.match(result.reason, /; complexity low \(no cues\)$/);
    for (const taskType of Object.keys(result.scores)) assert.ok(result.reason.includes(`${taskType} `), taskType);
  });

  it('describes an unlabelled rule by its kind of evidence', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      rules: [
        { taskType: 'alpha', weight: 2, keywords: ['invoice'] },
        { taskType: 'beta', patterns: [String.raw`#\d{3,}`] },
        { taskType: 'gamma', structure: { minQuestions: 1 } },
      ],
    });
    const result = classifyRequest(prompt('Where is invoice #4471?'), config);
    assert.match(result.reason, /alpha 2\.0 \(keyword "invoice" \+2\.0\)/);
    assert.match(result.reason, /beta 1\.0 \(pattern "#4471" \+1\.0\)/);
    assert.match(result.reason, /gamma 1\.0 \(structure 1 question \+1\.0\)/);
  });
});

describe('complexity', () => {
  it('is low for a short, plain request', () => {
    assert.equal(classifyRequest(prompt('What is the capital of France?'), defaults).complexity, 'low');
  });

  it('is medium for a long prompt or several questions', () => {
    const long = `Please look over my notes. ${'We met the supplier and agreed on new terms for delivery. '.repeat(12)}`;
    assert.equal(classifyRequest(prompt(long), defaults).complexity, 'medium');
    assert.equal(classifyRequest(prompt('Where is Oslo? How cold is it in January?'), defaults).complexity, 'medium');
  });

  it('is high when a request demands rigour', () => {
    const result = classifyRequest(prompt('Give a rigorous proof that there are infinitely many primes.'), defaults);
    assert.equal(result.complexity, 'high');
    assert.match(result.reason, /complexity high \(.*high: demands rigour or depth "rigorous"/);
  });

  it('is high when enough medium cues add up', () => {
    const text = [
      'Compare the three pricing plans below and explain why each would suit a small team.',
      '1. Basic: 5 users, 10 GB',
      '2. Team: 20 users, 100 GB',
      '3. Business: unlimited users, 1 TB',
      'Which is cheapest per user? Which scales best? You must keep it under 200 words, only use the figures given and do not guess.',
    ].join('\n');
    assert.equal(classifyRequest(prompt(text), defaults).complexity, 'high');
  });

  it('follows config complexity rules, whose weights below 1 need company', () => {
    const config = ClassifierConfig.parse({
      builtInRules: false,
      complexityRules: [
        { level: 'high', keywords: ['mission-critical'] },
        { level: 'medium', keywords: ['draft'] },
        { level: 'high', weight: 0.5, keywords: ['legal'] },
        { level: 'high', weight: 0.5, keywords: ['regulator'] },
      ],
    });
    assert.equal(classifyRequest(prompt('A mission-critical fix.'), config).complexity, 'high');
    assert.equal(classifyRequest(prompt('A quick draft.'), config).complexity, 'medium');
    assert.equal(classifyRequest(prompt('A legal note.'), config).complexity, 'low');
    assert.equal(classifyRequest(prompt('A legal note for the regulator.'), config).complexity, 'high');
  });
});

describe('built-in rules', () => {
  it('are valid config rules for built-in task types, with patterns that compile', () => {
    for (const rule of BUILT_IN_CLASSIFIER_RULES) {
      assert.deepEqual(ClassifierRule.parse(rule), rule);
      assert.ok((BUILT_IN_TASK_TYPES as readonly string[]).includes(rule.taskType), rule.taskType);
      assert.ok(rule.keywords || rule.patterns || rule.structure, rule.label);
      assert.ok(rule.label, 'every built-in rule explains itself in the reason');
      for (const pattern of rule.patterns ?? []) assert.doesNotThrow(() => new RegExp(pattern, 'i'), pattern);
    }
    for (const rule of BUILT_IN_COMPLEXITY_RULES) {
      assert.deepEqual(ComplexityRule.parse(rule), rule);
      assert.ok(rule.label);
      for (const pattern of rule.patterns ?? []) assert.doesNotThrow(() => new RegExp(pattern, 'i'), pattern);
    }
  });

  it('have evidence for every built-in task type', () => {
    const covered = new Set(BUILT_IN_CLASSIFIER_RULES.map((rule) => rule.taskType));
    assert.deepEqual([...covered].sort(), [...BUILT_IN_TASK_TYPES].sort());
  });
});
